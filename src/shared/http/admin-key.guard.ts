import { timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config';

/**
 * Admin endpoints: enabled only when ADMIN_API_KEY is set (403 otherwise, saying so), then the key
 * must come as `x-api-key` or `Authorization: Bearer` (401 otherwise). Constant-time comparison.
 */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const expected = this.config.admin.apiKey;
    if (!expected) {
      throw new ForbiddenException({ message: 'Admin endpoints are disabled: set ADMIN_API_KEY to enable them.', code: 'ADMIN.DISABLED' });
    }
    const req = ctx.switchToHttp().getRequest<Request>();
    const header = req.headers['x-api-key'];
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const given = (typeof header === 'string' ? header : undefined) ?? bearer;
    if (!given || !safeEqual(given, expected)) {
      throw new UnauthorizedException({ message: 'A valid admin key is required (x-api-key or Authorization: Bearer).', code: 'ADMIN.UNAUTHORIZED' });
    }
    return true;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
