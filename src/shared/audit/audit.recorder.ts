import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config';
import { DATA_SOURCE } from '../database/database.module';
import { withoutNul } from '../text/nul';

/** One admin action: who (never a key: its fingerprint), what, on what, from where, in which request. */
export interface AuditEntry {
  /** `key:<fingerprint>` for a presented API key, `user:<id>`, or `anonymous`. */
  actor: string;
  /** Dotted name, e.g. `model.llm.swap`, `document.delete`, `key.create`. */
  action: string;
  target?: string | null;
  outcome: 'ok' | 'failed';
  /** The error's stable code when the action failed. */
  errorCode?: string | null;
  ip?: string | null;
  requestId?: string | null;
  /** Non-secret parameters of the action (a swap's provider and model, a seed's months). */
  details?: Record<string, unknown>;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: 'ok' | 'failed';
  error_code: string | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

/** First 12 hex characters of the key's SHA-256: enough to tell keys apart, useless to recover one. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** A request as the auth layer may annotate it: `auditActor` set by a guard wins over what is read here. */
export type AuditableRequest = Request & { id?: string; auditActor?: string };

/**
 * Who made a request: an identity an auth guard recorded (`req.auditActor`), else the fingerprint of the
 * key presented (x-api-key or Authorization: Bearer), else the user id the request names (path, query,
 * body), else `anonymous`.
 */
export function actorOf(req: AuditableRequest): string {
  if (typeof req.auditActor === 'string' && req.auditActor) return req.auditActor;
  const header = req.headers['x-api-key'];
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const key = (typeof header === 'string' ? header : undefined) ?? bearer;
  if (key) return `key:${keyFingerprint(key)}`;
  const userId = [req.params?.user_id, (req.query as Record<string, unknown> | undefined)?.user_id, (req.body as Record<string, unknown> | undefined)?.user_id].find(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  return userId ? `user:${userId.slice(0, 200)}` : 'anonymous';
}

/**
 * Writes and reads the audit_log table. Routes get their rows from the @Audited() decorator (AuditInterceptor);
 * code that is not a route (a CLI command, a key created by another path) calls record() itself.
 * A failed write is logged and swallowed: the action it describes has already happened.
 */
@Injectable()
export class AuditRecorder {
  private readonly logger = new Logger('Audit');

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The request's who, where and request id, to complete an entry. */
  static fromRequest(req: AuditableRequest): Pick<AuditEntry, 'actor' | 'ip' | 'requestId'> {
    return { actor: actorOf(req), ip: req.ip ?? req.socket?.remoteAddress ?? null, requestId: typeof req.id === 'string' ? req.id : null };
  }

  async record(entry: AuditEntry): Promise<void> {
    if (!this.config.audit.enabled) return;
    // a request's own words (a user id, a target) may hold NUL, which text and jsonb refuse: the row
    // of a refused request is the one most worth keeping (it was lost, with an error in the log)
    const row = withoutNul(entry);
    try {
      await this.dataSource.query(
        `INSERT INTO audit_log (actor, action, target, outcome, error_code, ip, request_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [row.actor, row.action, row.target ?? null, row.outcome, row.errorCode ?? null, row.ip ?? null, row.requestId ?? null, JSON.stringify(row.details ?? {})],
      );
    } catch (e) {
      this.logger.error(`audit row for ${entry.action} not written: ${(e as Error).message}`);
    }
  }

  /** Most recent first. */
  async list(q: { limit: number; offset: number; action?: string }): Promise<{ items: AuditRow[]; total: number }> {
    const where = q.action ? 'WHERE action = $1' : '';
    const params: unknown[] = q.action ? [q.action] : [];
    const page = [Math.max(1, Math.trunc(q.limit)), Math.max(0, Math.trunc(q.offset))];
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT id::int AS id, at, actor, action, target, outcome, error_code, ip, request_id, details FROM audit_log ${where}
         ORDER BY at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, ...page],
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM audit_log ${where}`, params),
    ]);
    return {
      items: (items as Array<AuditRow & { at: Date | string }>).map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
      total: count[0].n,
    };
  }
}

