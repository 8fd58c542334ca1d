import { timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config';
import { principalOf } from './principal';

/**
 * Admin endpoints: a caller the access module's AuthGuard identified as admin (a stored admin key, a JWT with
 * the admin role, or ADMIN_API_KEY) passes. Otherwise, as before: enabled only when ADMIN_API_KEY is set (403
 * otherwise, saying so), then the key must come as `x-api-key` or `Authorization: Bearer` (401 otherwise); a
 * verified user credential gets 403 AUTH.FORBIDDEN. Constant-time comparison.
 */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<Request>();
    const principal = principalOf(req);
    if (principal?.role === 'admin') return true;
    if (principal) throw new ForbiddenException({ message: 'This route needs an admin key or token.', code: 'AUTH.FORBIDDEN' });
    const expected = this.config.admin.apiKey;
    if (!expected) {
      throw new ForbiddenException({ message: 'Admin endpoints are disabled: set ADMIN_API_KEY to enable them.', code: 'ADMIN.DISABLED' });
    }
    const given = credentialOf(req);
    if (!given || !safeEqual(given, expected)) {
      throw new UnauthorizedException({ message: 'A valid admin key is required (x-api-key or Authorization: Bearer).', code: 'ADMIN.UNAUTHORIZED' });
    }
    return true;
  }
}

/** The credential a request carries: `x-api-key`, else `Authorization: Bearer <token>`. */
export function credentialOf(req: Request): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() || undefined;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
