import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { AuditableRequest, AuditEntry, AuditRecorder } from './audit.recorder';
import { AUDITED, AuditedOptions } from './audited.decorator';
import { withoutUrlCredentials } from '../logging';

const SECRET_FIELD = /key|secret|token|password|authorization/i;

/** Drops secret-looking fields at any depth. */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return withoutUrlCredentials(value);
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  if (!value || typeof value !== 'object' || depth > 5) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !SECRET_FIELD.test(k)).map(([k, v]) => [k, withoutSecrets(v, depth + 1)]));
}

/**
 * The one rule that writes the audit log: every route marked @Audited(action) gets a row once its handler
 * finishes, `ok` or `failed` (with the error's code). Guards run first, so a request refused for want of a
 * key is not an action and writes nothing. The row is written before the response goes out.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly recorder: AuditRecorder,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<(AuditedOptions & { action: string }) | undefined>(AUDITED, ctx.getHandler());
    if (!meta || ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<AuditableRequest>();
    const entry = (outcome: AuditEntry['outcome'], errorCode?: string): AuditEntry => ({
      ...AuditRecorder.fromRequest(req),
      action: meta.action,
      target: meta.target ? meta.target(req) : routeTarget(req),
      outcome,
      errorCode,
      details: withoutSecrets(meta.details?.(req) ?? {}) as Record<string, unknown>,
    });
    return next.handle().pipe(
      mergeMap((value) => from(this.recorder.record(entry('ok')).then(() => value))),
      catchError((e: unknown) => from(this.recorder.record(entry('failed', errorCode(e)))).pipe(mergeMap(() => throwError(() => e)))),
    );
  }
}

function routeTarget(req: AuditableRequest): string | undefined {
  const v = req.params?.id ?? req.params?.user_id;
  return typeof v === 'string' ? v : undefined;
}

function errorCode(e: unknown): string {
  if (e && typeof e === 'object') {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const response = (e as { getResponse?: () => unknown }).getResponse?.();
    if (response && typeof response === 'object' && typeof (response as { code?: unknown }).code === 'string') return (response as { code: string }).code;
    if (e instanceof Error) return e.name;
  }
  return 'UNKNOWN';
}
