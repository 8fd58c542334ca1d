import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { DomainError } from '../../../../shared/errors/domain-error';
import { clientAddress, proxyTrust } from '../../../../shared/net/client-address';
import { originAllowed } from '../../../../shared/http';
import { nfcUserId, type Principal } from '../../../../shared/http/principal';
import { AccessService } from '../../application/access.service';
import { Authenticator } from '../../application/authenticator.service';
import { QuotaRelease, QuotaService } from '../../application/quota.service';
import { authRequired, invalidCredential, originNotAllowed, userMismatch } from '../../domain/access.errors';
import { AuthFailureLimiter } from '../http/auth-failures';
import { callerTracker } from '../http/rate-limit.guard';

/** The close code of a WebSocket refused at its handshake for want of a valid credential (4000-4999: the application's). */
export const WS_UNAUTHORIZED = 4401;
/** The close code of a WebSocket opened by a page of another origin (not the service's, not in http.cors.origins). */
export const WS_FORBIDDEN = 4403;
/**
 * The close code of a WebSocket refused by a limit of its caller: its address past its refused credentials of the minute
 * (AuthFailureLimiter), its handshake past the rate limits (RATE_LIMIT.EXCEEDED), or its caller past
 * http.ws.maxConnectionsPerCaller open sockets (RATE_LIMIT.TOO_MANY_CONNECTIONS).
 */
export const WS_TOO_MANY = 4429;

/** What a connection was admitted as: its caller (undefined: anonymous, auth.mode open) and its rate-limit trackers. */
export interface WsSession {
  principal?: Principal;
  tracker: string;
  ip: string;
  /** The handshake's credential, verified again at each turn (a key revoked or a JWT expired since is refused). */
  credential?: string;
  /** Set once a turn found the credential no longer valid: the socket is being closed with 4401. */
  refused?: boolean;
}

/** Minimal view of a socket: what closing it and knowing it closed need. */
interface Closable {
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * The credential of a WebSocket handshake, in this order: `x-api-key` or `Authorization: Bearer` headers (as over
 * HTTP); the `Sec-WebSocket-Protocol` pair `bearer, <credential>` (what a browser can send); `?access_token=`.
 */
export function wsCredentialOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
  if (bearer) return bearer;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const i = protocols.findIndex((p) => p.toLowerCase() === 'bearer');
  if (i >= 0 && protocols[i + 1]) return protocols[i + 1];
  try {
    return new URL(req.url ?? '/', 'ws://localhost').searchParams.get('access_token') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The WebSocket chat's access (issue 11), the same rules as the HTTP chat: the page's origin (originAllowed: 4403
 * otherwise), the handshake's credential (see
 * wsCredentialOf) verified by the Authenticator, a refused or (auth.mode required) missing one closing the socket with
 * 4401; then per message the `generate` route group's rate limits (counted with HTTP's, same storage and keys), the
 * user bound to the caller (403 AUTH.USER_MISMATCH for another user_id), the collection's access list (the 404 of an
 * unknown collection) and the daily token quota.
 */
@Injectable()
export class WsAccessGate {
  private readonly sessions = new WeakMap<object, Promise<WsSession | undefined>>();
  /** Open sockets per caller (connectionOwner), in this process: http.ws.maxConnectionsPerCaller bounds them. */
  private readonly open = new Map<string, number>();
  /** http.trustProxy, as Express applies it to req.ip: the same client address on the socket as over HTTP. */
  private trust?: (address: string, hop: number) => boolean;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: Authenticator,
    private readonly access: AccessService,
    private readonly quota: QuotaService,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly failures: AuthFailureLimiter,
  ) {}

  private get required(): boolean {
    return this.config.auth.mode === 'required';
  }

  /**
   * At the handshake: verifies the credential, counts the handshake in the rate limits as a chat request and the socket
   * among its caller's open ones; a socket refused is closed (4403 origin, 4401 credential, 4429 a limit) with the
   * error's code as the reason, and has no session.
   */
  admit(client: Closable, req: IncomingMessage): void {
    let closed = false;
    let leave: (() => void) | undefined;
    client.once('close', () => {
      closed = true;
      leave?.();
    });
    const session = this.handshake(req)
      .then((s) => {
        if (!closed) leave = this.enter(s);
        return s;
      })
      .catch((e: unknown) => {
        const code = e instanceof DomainError ? e.code : 'AUTH.INVALID_CREDENTIALS';
        client.close(code === 'AUTH.ORIGIN_NOT_ALLOWED' ? WS_FORBIDDEN : code.startsWith('RATE_LIMIT.') ? WS_TOO_MANY : WS_UNAUTHORIZED, code);
        return undefined;
      });
    this.sessions.set(client, session);
  }

  /**
   * Counts a socket among its caller's (a user, by the key's or token's user id; an address, without a verified
   * credential: a made-up one in auth.mode open changes nothing) and answers its release, or refuses it past
   * http.ws.maxConnectionsPerCaller.
   */
  private enter(s: WsSession): () => void {
    const owner = s.principal?.userId ? `user:${s.principal.userId}` : s.principal ? s.tracker : `ip:${s.ip}`;
    const max = this.config.http.ws.maxConnectionsPerCaller;
    const count = this.open.get(owner) ?? 0;
    if (max > 0 && count >= max) {
      throw new DomainError('RATE_LIMIT.TOO_MANY_CONNECTIONS', 'too_many_requests', `This caller has ${count} WebSockets open already (http.ws.maxConnectionsPerCaller); close one first.`);
    }
    this.open.set(owner, count + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const n = (this.open.get(owner) ?? 1) - 1;
      if (n > 0) this.open.set(owner, n);
      else this.open.delete(owner);
    };
  }

  private async handshake(req: IncomingMessage): Promise<WsSession> {
    const origin = req.headers.origin;
    // Browsers do not apply CORS to WebSockets: without this, any page a user visits could chat with (and read the
    // documents of) an acervo it can reach, such as one on localhost in auth.mode open.
    if (!originAllowed(origin, req.headers.host, this.config.http.cors.origins)) throw originNotAllowed(origin!);
    const credential = wsCredentialOf(req);
    this.trust ??= proxyTrust(this.config.http.trustProxy);
    const ip = clientAddress(req, this.trust);
    let principal: Principal | undefined;
    if (credential) {
      await this.failures.assertAllowed(ip);
      try {
        principal = await this.auth.authenticate(credential);
      } catch (e) {
        await this.failures.failed(ip);
        if (this.required) throw e;
      }
    }
    if (this.required && !principal) throw authRequired();
    const session: WsSession = { principal, tracker: callerTracker(credential, ip), ip, credential: principal ? credential : undefined };
    // the handshake is a chat request: without this, sockets opened (and held) by the thousand were counted nowhere
    await this.throttle(session);
    return session;
  }

  /** The session a message runs in; undefined once the handshake was refused (the socket is closing). */
  session(client: object): Promise<WsSession | undefined> {
    return this.sessions.get(client) ?? Promise.resolve(this.required ? undefined : { tracker: 'ip:unknown', ip: 'unknown' });
  }

  /**
   * Before a message is validated: the credential verified again (as each HTTP request verifies its own: a key
   * revoked or a JWT past exp + auth.jwt.clockToleranceSeconds since the handshake is refused with HTTP's
   * AUTH.INVALID_CREDENTIALS, and `s.refused` set so the socket is closed with 4401; in auth.mode open the turn
   * goes on as anonymous, as such an HTTP request does), the rate limits, and the caller's user id in
   * `fields.user_id` (filled in or checked).
   */
  async admitTurn(s: WsSession, fields: Record<string, unknown>): Promise<void> {
    await this.reauthenticate(s);
    await this.throttle(s);
    const p = s.principal;
    if (!this.required || !p || p.role === 'admin') return;
    const given = fields.user_id;
    if (given !== undefined && given !== null && given !== '' && nfcUserId(given) !== nfcUserId(p.userId)) throw userMismatch('user_id');
    fields.user_id = p.userId;
  }

  /**
   * Once validated: the collection must be readable by the caller, and the user's quota not spent. Answers the
   * release of the turn's quota reservation (QuotaService.reserve), to call when the turn ends.
   */
  async authorizeTurn(s: WsSession, turn: { userId: string; collection?: string; conversationId?: string }): Promise<QuotaRelease> {
    const p = s.principal;
    if (this.required && p && !(p.role === 'admin' && !p.collections)) {
      await this.access.authorize(p, await this.access.chatCollection(turn.userId, turn.collection, turn.conversationId), 'read');
    }
    return this.quota.reserve(p?.userId ?? turn.userId, p);
  }

  private async reauthenticate(s: WsSession): Promise<void> {
    if (s.refused) throw invalidCredential('the credential was refused on this connection');
    if (!s.credential) return;
    try {
      s.principal = await this.auth.authenticate(s.credential);
    } catch (e) {
      if (!this.required) {
        s.principal = undefined;
        s.credential = undefined;
        return;
      }
      s.refused = true;
      throw e;
    }
  }

  /** HTTP's two throttlers (per caller in the generate group, per IP), on the same storage. */
  private async throttle(s: WsSession): Promise<void> {
    const cfg = this.config.rateLimit;
    if (!cfg.enabled) return;
    const checks: Array<[string, number, string]> = [
      [`caller:generate:${s.tracker}`, cfg.groups.generate ?? cfg.perMinute, 'caller'],
      [`ip:${s.ip}`, cfg.perIpPerMinute, 'ip'],
    ];
    for (const [key, limit, name] of checks) {
      const r = await this.storage.increment(key, 60_000, limit, 60_000, name);
      if (r.isBlocked) {
        const retry = Math.max(1, Math.ceil(r.timeToBlockExpire));
        const per = name === 'ip' ? 'this address' : 'this caller';
        throw new DomainError('RATE_LIMIT.EXCEEDED', 'too_many_requests', `Rate limit reached: ${limit} requests a minute for ${per} on these routes; retry in ${retry} s.`, {
          retryAfterSeconds: retry,
        });
      }
    }
  }
}
