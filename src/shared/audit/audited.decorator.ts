import { SetMetadata } from '@nestjs/common';
import type { AuditableRequest } from './audit.recorder';

export const AUDITED = Symbol('AUDITED');

export interface AuditedOptions {
  /** What the action is applied to; default: the route's :id or :user_id parameter. */
  target?: (req: AuditableRequest) => string | undefined;
  /** Non-secret parameters worth keeping (never keys: fields named like key/secret/token/password are dropped). */
  details?: (req: AuditableRequest) => Record<string, unknown> | undefined;
}

/** Marks a route as an admin action: AuditInterceptor writes one audit_log row per call, succeeded or failed. */
export const Audited = (action: string, options: AuditedOptions = {}) => SetMetadata(AUDITED, { action, ...options });
