import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { nfcUserId, onResponseEnd, principalOf } from '../../../../shared/http';
import { QuotaService } from '../../application/quota.service';

/** The routes that run a model, and the body field naming the user when no credential does (auth.mode open). */
const MODEL_ROUTES: Record<string, string | undefined> = { '/v1/ask': undefined, '/v1/chat': 'user_id', '/v1/chat/completions': 'user' };

/**
 * Global guard (APP_GUARD, after AuthGuard): POST /v1/ask, /v1/chat and /v1/chat/completions are refused with 429
 * QUOTA.EXCEEDED (Retry-After: seconds to UTC midnight) once the caller's user has spent its daily token quota.
 * The user is the credential's; without one (auth.mode open) the user_id / user the chat body names. The call holds
 * quota.reserveTokens of the quota until its response ends (QuotaService.reserve), so parallel calls cannot overrun it.
 */
@Injectable()
export class QuotaGuard implements CanActivate {
  constructor(private readonly quota: QuotaService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    const path = req.path.replace(/\/+$/, '');
    if (req.method !== 'POST' || !(path in MODEL_ROUTES)) return true;
    const p = principalOf(req);
    const field = MODEL_ROUTES[path];
    const named = field && typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>)[field] : undefined;
    const release = await this.quota.reserve(p?.userId ?? (typeof named === 'string' && named ? nfcUserId(named) : undefined), p);
    // the call holds its reservation until its answer (a stream's last event included) is sent or abandoned; a client
    // gone while the quota was read (its close already emitted) gives it back at once, and its call is not run
    const res = ctx.switchToHttp().getResponse<Response>();
    onResponseEnd(res, release);
    return true;
  }
}
