import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config';
import type { DatabaseState } from '../database';
import { REDIS_COMMAND_TIMEOUT_MS } from '../net/redis-timeouts';

/** One shared setting as stored: which process wrote it, when, and its place in the order of changes. */
export interface SharedEntry<T = unknown> {
  key: string;
  value: T;
  version: number;
  /** The instance id of the process that wrote it (SharedState.instanceId). */
  origin: string;
  updatedAt: Date;
}

/** What this process did with the latest entry of a key: applied it (or wrote it), or failed to. */
export interface AppliedEntry<T = unknown> extends SharedEntry<T> {
  appliedAt: Date;
  /** Set when applying it failed: this process still runs what it had (logged, shown in /v1/model-info). */
  error?: string;
}

/** `boot`: the entry found at start-up; `change`: written by another process since. */
export type SharedHandler = (entry: SharedEntry, phase: 'boot' | 'change') => Promise<void>;

export type NotifyMode = 'redis' | 'postgres' | 'poll' | 'off';

export const SHARED_STATE_CHANNEL = 'acervo_shared_state';
const PROBE_TIMEOUT_MS = 2000;

interface Row {
  key: string;
  value: unknown;
  version: string;
  origin: string;
  updated_at: Date;
}

/** Anything under a key that names a secret is left out of a shared value (the reader resolves its own). */
const SECRET_KEY = /(api[-_]?key|secret|token|password|authorization)/i;

export function withoutSecrets<T>(value: T): { value: T; omitted: string[] } {
  const omitted: string[] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (SECRET_KEY.test(k)) {
        if (x !== undefined && x !== null && x !== '') omitted.push(path ? `${path}.${k}` : k);
        continue;
      }
      out[k] = walk(x, path ? `${path}.${k}` : k);
    }
    return out;
  };
  return { value: walk(value, '') as T, omitted };
}

interface Notifier {
  mode: NotifyMode;
  publish(version: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Settings every process of one deployment follows (issue 10: the active models). A write goes to the
 * shared_state table (one row per key, versions from one sequence) and a notification tells the other processes to
 * read what changed since the version they last saw: Redis pub/sub when replicas.redisUrl is set, else Postgres
 * LISTEN/NOTIFY on a dedicated connection if the server delivers it (checked with a probe: the embedded PGlite
 * server is one session and cannot), else a poll of the version every replicas.pollMs. With notifications on, the
 * same read runs every replicas.backstopMs, so a lost notification delays a change but never loses it.
 *
 * Keys are handled by the modules that own them (`on`), in version order, one change at a time; a process never
 * re-applies what it wrote itself. No business logic here: what a value means is the handler's affair.
 */
export class SharedState {
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('SharedState');
  private readonly handlers = new Map<string, SharedHandler>();
  private readonly applied = new Map<string, AppliedEntry>();
  private seen = 0;
  private notifier?: Notifier;
  private opening?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;
  private lastPollError = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly database: Pick<DatabaseState, 'mode'> & Partial<Pick<DatabaseState, 'exclusive'>>,
  ) {}

  get enabled(): boolean {
    return this.config.replicas.shareModels;
  }

  get notifyMode(): NotifyMode {
    return this.enabled ? (this.notifier?.mode ?? 'poll') : 'off';
  }

  /** Registers the handler of a key (before bootstrap: it then sees the stored entry with phase `boot`). */
  on(key: string, handler: SharedHandler): void {
    this.handlers.set(key, handler);
  }

  /** The latest entry of `key` this process applied or wrote, with when and whether it failed. */
  appliedEntry<T = unknown>(key: string): AppliedEntry<T> | undefined {
    return this.applied.get(key) as AppliedEntry<T> | undefined;
  }

  /** The keys whose latest shared entry this process could not apply, with the error. */
  failures(): Array<{ key: string; version: number; error: string }> {
    return [...this.applied.values()].filter((e) => e.error).map((e) => ({ key: e.key, version: e.version, error: e.error! }));
  }

  /**
   * Stores `value` under `key` and tells the other processes. The caller has applied it already (this process
   * never runs its own handler for it). A value must not hold secrets: pass it through withoutSecrets first.
   */
  async publish<T>(key: string, value: T): Promise<SharedEntry<T> | undefined> {
    if (!this.enabled) return undefined;
    const [row] = (await this.dataSource.query(
      `INSERT INTO shared_state (key, value, version, origin, updated_at) VALUES ($1, $2::jsonb, nextval('shared_state_version_seq'), $3, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, origin = EXCLUDED.origin, updated_at = EXCLUDED.updated_at
       RETURNING key, value, version::text AS version, origin, updated_at`,
      [key, JSON.stringify(value), this.instanceId],
    )) as Row[];
    const entry = toEntry<T>(row);
    this.applied.set(key, { ...entry, appliedAt: new Date() });
    await this.notifier?.publish(entry.version).catch((e: Error) => this.logger.warn(`change notification failed (the others read it within ${this.config.replicas.backstopMs} ms): ${e.message}`));
    return entry;
  }

  /**
   * True for the one process that stores `value` under `key` first (the same value again is refused): several
   * processes that see one event (an edited config file) let one act on it. Always true with sharing off.
   */
  async claim(key: string, value: unknown): Promise<boolean> {
    if (!this.enabled) return true;
    const rows = (await this.dataSource.query(
      `INSERT INTO shared_state (key, value, version, origin, updated_at) VALUES ($1, $2::jsonb, nextval('shared_state_version_seq'), $3, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, origin = EXCLUDED.origin, updated_at = EXCLUDED.updated_at
       WHERE shared_state.value IS DISTINCT FROM EXCLUDED.value
       RETURNING version`,
      [key, JSON.stringify(value), this.instanceId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Applies the stored entries (phase `boot`), then starts listening. Called once the modules registered their keys. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    const rows = (await this.dataSource.query(`SELECT key, value, version::text AS version, origin, updated_at FROM shared_state ORDER BY version`)) as Row[];
    for (const row of rows) await this.apply(toEntry(row), 'boot');
    this.seen = rows.reduce((max, r) => Math.max(max, Number(r.version)), 0);
    // Polling until a notification channel is open (the Postgres probe takes a round trip, or 2 s when it fails).
    this.schedule(this.config.replicas.pollMs);
    this.opening = this.openNotifier().then(async (notifier) => {
      if (this.stopped) return void (await notifier.close().catch(() => undefined));
      this.notifier = notifier;
      if (notifier.mode !== 'poll') this.schedule(this.config.replicas.backstopMs);
      this.logger.log(`shared models on (instance ${this.instanceId}); changes heard by ${notifier.mode === 'poll' ? `polling every ${this.config.replicas.pollMs} ms` : notifier.mode}`);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.opening?.catch(() => undefined);
    await this.notifier?.close().catch(() => undefined);
    await this.running.catch(() => undefined);
  }

  /** Reads and applies what changed since the last version seen (coalesced: one read at a time, one more queued). */
  check(): Promise<void> {
    if (this.pending || this.stopped) return this.running;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      // the session is taken (an index build): the next check reads everything since `seen`
      if (this.stopped || this.database.exclusive?.active) return;
      try {
        const rows = (await this.dataSource.query(
          `SELECT key, value, version::text AS version, origin, updated_at FROM shared_state WHERE version > $1 ORDER BY version`,
          [this.seen],
        )) as Row[];
        for (const row of rows) {
          const entry = toEntry(row);
          if (entry.origin !== this.instanceId) await this.apply(entry, 'change');
          this.seen = Math.max(this.seen, entry.version);
        }
      } catch (e) {
        if (this.stopped) return;
        if (Date.now() - this.lastPollError > 30_000) this.logger.warn(`reading shared_state failed (retried): ${(e as Error).message}`);
        this.lastPollError = Date.now();
      }
    });
    return this.running;
  }

  private async apply(entry: SharedEntry, phase: 'boot' | 'change'): Promise<void> {
    const handler = this.handlers.get(entry.key);
    if (!handler) return;
    try {
      await handler(entry, phase);
      this.applied.set(entry.key, { ...entry, appliedAt: new Date() });
      this.logger.log(`applied shared ${entry.key} v${entry.version} from ${entry.origin === this.instanceId ? 'this process' : entry.origin}`);
    } catch (e) {
      const error = (e as Error).message;
      this.applied.set(entry.key, { ...entry, appliedAt: new Date(), error });
      this.logger.error(`could not apply shared ${entry.key} v${entry.version} from ${entry.origin}: ${error}; this process keeps what it had`);
    }
  }

  private schedule(everyMs: number): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.check(), everyMs);
    this.timer.unref();
  }

  private async openNotifier(): Promise<Notifier> {
    const { notify, redisUrl } = this.config.replicas;
    const poll: Notifier = { mode: 'poll', publish: async () => undefined, close: async () => undefined };
    if (notify === 'poll') return poll;
    if (notify === 'redis' || (notify === 'auto' && redisUrl)) {
      if (!redisUrl) {
        this.logger.warn('replicas.notify is redis but replicas.redisUrl (REDIS_URL) is empty: polling instead');
        return poll;
      }
      return this.redisNotifier(redisUrl);
    }
    if (this.database.mode === 'embedded') {
      // PGlite is one session: a NOTIFY reaches the connection that committed it, never a listening one.
      if (notify === 'postgres') this.logger.warn('replicas.notify is postgres but the embedded database cannot deliver notifications: polling instead');
      return poll;
    }
    return (await this.postgresNotifier()) ?? poll;
  }

  private async redisNotifier(url: string): Promise<Notifier> {
    const { default: Redis } = await import('ioredis');
    let lastError = 0;
    const onError = (e: Error) => {
      if (Date.now() - lastError < 30_000) return;
      lastError = Date.now();
      this.logger.warn(`Redis (shared model notifications) unavailable: ${e.message}; changes still arrive within ${this.config.replicas.backstopMs} ms`);
    };
    const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n: number) => Math.min(100 * 2 ** n, 2000) };
    const sub = new Redis(url, { ...options, enableOfflineQueue: true });
    // a hung Redis held the model swap that publishes its change (the others read it at the backstop anyway)
    const pub = new Redis(url, { ...options, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
    sub.on('error', onError);
    pub.on('error', onError);
    sub.on('message', () => void this.check());
    // a reconnect may have missed messages: read what changed meanwhile
    sub.on('ready', () => void this.check());
    await sub.subscribe(SHARED_STATE_CHANNEL).catch(onError);
    return {
      mode: 'redis',
      publish: async (version) => void (await pub.publish(SHARED_STATE_CHANNEL, String(version))),
      close: async () => {
        sub.disconnect();
        pub.disconnect();
      },
    };
  }

  /** LISTEN on a connection of its own, then a probe NOTIFY through the pool: undefined when it does not come back. */
  private async postgresNotifier(): Promise<Notifier | undefined> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (!url) return undefined;
    const { Client } = await import('pg');
    const client = new Client({ connectionString: url });
    const nonce = `probe:${randomUUID()}`;
    let probed!: () => void;
    const probe = new Promise<void>((resolve) => (probed = resolve));
    client.on('notification', (n) => (n.payload === nonce ? probed() : void this.check()));
    let open = true;
    client.on('error', (e) => {
      if (!open || this.stopped) return;
      open = false;
      this.logger.warn(`shared model notifications: the LISTEN connection failed (${e.message}); polling every ${this.config.replicas.pollMs} ms`);
      this.schedule(this.config.replicas.pollMs);
      if (this.notifier) this.notifier.mode = 'poll';
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SHARED_STATE_CHANNEL}`);
      await this.dataSource.query(`SELECT pg_notify($1, $2)`, [SHARED_STATE_CHANNEL, nonce]);
      let timer: NodeJS.Timeout | undefined;
      const heard = await Promise.race([probe.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), PROBE_TIMEOUT_MS)))]);
      clearTimeout(timer);
      if (!heard) throw new Error(`a probe notification did not arrive within ${PROBE_TIMEOUT_MS} ms (an embedded PGlite server cannot deliver them)`);
    } catch (e) {
      open = false;
      await client.query('UNLISTEN *').catch(() => undefined);
      await client.end().catch(() => undefined);
      this.logger.warn(`Postgres LISTEN/NOTIFY unavailable: ${(e as Error).message}; polling every ${this.config.replicas.pollMs} ms`);
      return undefined;
    }
    return {
      mode: 'postgres',
      publish: async (version) => void (await this.dataSource.query(`SELECT pg_notify($1, $2)`, [SHARED_STATE_CHANNEL, String(version)])),
      close: async () => {
        open = false;
        await client.end();
      },
    };
  }
}

function toEntry<T>(row: Row): SharedEntry<T> {
  return { key: row.key, value: row.value as T, version: Number(row.version), origin: row.origin, updatedAt: new Date(row.updated_at) };
}
