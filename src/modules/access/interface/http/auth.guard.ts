import { CanActivate, ExecutionContext, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { credentialOf } from '../../../../shared/http/admin-key.guard';
import { setRequestUser } from '../../../../shared/logging';
import { nfcUserId, type Principal, type RequestWithPrincipal, USER_ID_PATTERN, USER_ID_RULE } from '../../../../shared/http/principal';
import { Authenticator } from '../../application/authenticator.service';
import { authRequired, unusableUserId, userMismatch } from '../../domain/access.errors';
import { WsAccessGate } from '../ws/ws-access.gate';
import { AuthFailureLimiter } from './auth-failures';

/**
 * Global guard (APP_GUARD). Any credential a request carries (x-api-key or Authorization: Bearer) is verified
 * and the caller put on the request (`principal`). auth.mode open: a bad or missing credential changes nothing
 * (the admin routes' own guard still asks for an admin key). required: every route but /health needs a valid
 * credential (401 AUTH.REQUIRED / AUTH.INVALID_CREDENTIALS), and for a user the identity is the user id: a
 * different `user_id` (body, query or path) or OpenAI `user` is refused with 403 AUTH.USER_MISMATCH, a missing
 * one is filled in.
 */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: Authenticator,
    private readonly ws: WsAccessGate,
    private readonly failures: AuthFailureLimiter,
  ) {}

  onModuleInit(): void {
    if (this.config.auth.mode === 'open') {
      this.logger.warn('auth.mode is open: no credential is needed and user ids are taken from requests; set AUTH_MODE=required before exposing acervo');
    }
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const required = this.config.auth.mode === 'required';
    if (ctx.getType() !== 'http') {
      // A WebSocket is authenticated once, at its handshake (WsAccessGate.admit): a message of a refused one never runs.
      if (required && !(await this.ws.session(ctx.switchToWs().getClient<object>()))) throw new WsException('AUTH.REQUIRED: the handshake carried no valid credential');
      return true;
    }
    const req = ctx.switchToHttp().getRequest<RequestWithPrincipal>();
    const credential = credentialOf(req);
    if (credential) {
      // an address past its refused credentials of the minute: 429 before this one is looked at
      await this.failures.assertAllowed(req.ip ?? 'unknown');
      try {
        req.principal = await this.auth.authenticate(credential);
        // the request's embedding calls (its ingest, its query) are recorded for this user (group_by=user, cost)
        setRequestUser(req.principal.userId);
      } catch (e) {
        await this.failures.failed(req.ip ?? 'unknown');
        if (required) throw e;
      }
    }
    // the probes, and Prometheus's scrape (docs/api.md: no key; the Kubernetes annotations scrape each pod without one)
    if (!required || req.path.startsWith('/health') || req.path.replace(/\/+$/, '') === '/metrics') return true;
    if (!req.principal) throw authRequired();
    if (req.principal.role !== 'admin') bindUser(req, req.principal);
    return true;
  }
}

/** The routes that name a user, and where: the caller's own id replaces (or must equal) what the request says. */
function bindUser(req: Request, p: Principal): void {
  const user = p.userId!;
  const path = req.path.replace(/\/+$/, '');
  const body = isRecord(req.body) ? req.body : undefined;
  if (req.method === 'POST' && path === '/v1/chat' && body) bind(body, 'user_id', user, 'user_id');
  if (req.method === 'POST' && path === '/v1/chat/completions' && body) bind(body, 'user', user, 'user');
  if (path === '/v1/conversations' || path.startsWith('/v1/conversations/')) {
    const query = { ...(req.query as Record<string, unknown>) };
    bind(query, 'user_id', user, 'user_id');
    Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
  }
  const m = /^\/v1\/users\/([^/]+)\/memory$/.exec(path);
  if (m && !USER_ID_PATTERN.test(user)) throw unusableUserId('user_id', USER_ID_RULE);
  if (m && nfcUserId(decodeURIComponent(m[1])) !== nfcUserId(user)) throw userMismatch('user_id');
}

function bind(target: Record<string, unknown>, key: string, user: string, field: string): void {
  // a token's user the conversation routes could not take (a key's is checked when the key is made)
  if (!USER_ID_PATTERN.test(user)) throw unusableUserId(field, USER_ID_RULE);
  const given = target[key];
  if (given !== undefined && given !== null && given !== '' && nfcUserId(given) !== nfcUserId(user)) throw userMismatch(field);
  target[key] = user;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
