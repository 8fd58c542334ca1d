import { createHash } from 'node:crypto';
import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import type { AppConfig } from '../../../../shared/config';
import { credentialOf } from '../../../../shared/http/admin-key.guard';

type RateLimitConfig = AppConfig['rateLimit'];
export type RouteGroup = keyof RateLimitConfig['groups'] | 'default';

/** Which limit a route counts against (rateLimit.groups; the others share rateLimit.perMinute). */
export function routeGroup(req: Request): RouteGroup {
  const path = req.path.replace(/\/+$/, '');
  if (path === '/v1/ask' || path.startsWith('/v1/chat')) return 'generate';
  if (path === '/v1/search') return 'search';
  if (req.method === 'POST' && path.startsWith('/v1/documents')) return 'ingest';
  if (path.startsWith('/v1/admin')) return 'admin';
  return 'default';
}

/** A credential counts as itself (a hash of it, never the key), whatever it is worth; no credential counts as the IP. */
export function callerTracker(credential: string | undefined, ip: string | undefined): string {
  return credential ? 'c:' + createHash('sha256').update(credential).digest('hex').slice(0, 24) : 'ip:' + (ip ?? 'unknown');
}

const caller = (req: Request) => callerTracker(credentialOf(req), req.ip);

const unlimited = (ctx: ExecutionContext) => ctx.getType() !== 'http' || ctx.switchToHttp().getRequest<Request>().path.startsWith('/health');

/**
 * Two throttlers (@nestjs/throttler): `caller`, per key or token (per IP without one) and per route group, and
 * `ip`, every request of an address together. One-minute windows.
 */
export function throttlerOptions(cfg: RateLimitConfig, storage?: ThrottlerStorage): ThrottlerModuleOptions {
  const limitOf = (ctx: ExecutionContext) => {
    const group = routeGroup(ctx.switchToHttp().getRequest<Request>());
    return group === 'default' ? cfg.perMinute : (cfg.groups[group] ?? cfg.perMinute);
  };
  return {
    throttlers: [
      {
        name: 'caller',
        ttl: 60_000,
        limit: limitOf,
        getTracker: (req) => caller(req as Request),
        generateKey: (ctx, tracker, name) => `${name}:${routeGroup(ctx.switchToHttp().getRequest<Request>())}:${tracker}`,
      },
      { name: 'ip', ttl: 60_000, limit: cfg.perIpPerMinute, getTracker: (req) => (req as Request).ip ?? 'unknown', generateKey: (_ctx, tracker, name) => `${name}:${tracker}` },
    ],
    skipIf: (ctx) => !cfg.enabled || unlimited(ctx),
    setHeaders: false,
    ...(storage ? { storage } : {}),
  };
}

/** 429 problem+json (RATE_LIMIT.EXCEEDED) with Retry-After, the seconds left in the window. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(ctx: ExecutionContext, d: ThrottlerLimitDetail): Promise<void> {
    const res = ctx.switchToHttp().getResponse<Response>();
    const retry = Math.max(1, Math.ceil(d.timeToBlockExpire));
    res.setHeader('Retry-After', String(retry));
    const per = d.key.startsWith('ip:') ? 'this address' : 'this caller';
    throw new HttpException(
      { message: `Rate limit reached: ${d.limit} requests a minute for ${per} on these routes; retry in ${retry} s.`, code: 'RATE_LIMIT.EXCEEDED' },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
