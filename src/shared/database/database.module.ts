import { ExclusiveWork } from './exclusive-work';
import type { AddressInfo } from 'node:net';
import { DynamicModule, Global, Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DataSource, type EntitySchema, MigrationExecutor, type MixedList } from 'typeorm';
import { APP_CONFIG, AppConfig, resolveDataPath } from '../config';
import { join } from 'node:path';
import { adviceKind, bufferCacheAdvice, type BufferCacheSize, directoryBytes, resolveBufferCache } from './buffer-cache';
import { EmbeddedPostgres } from './embedded-postgres';
import { EmbeddedVacuum } from './embedded-vacuum';
import { InitSchema1763700000000 } from './migrations/1763700000000-init-schema';
import { ReindexStaging1764000000000 } from './migrations/1764000000000-reindex-staging';
import { AccentFolding1765000000000 } from './migrations/1765000000000-accent-folding';
import { Jobs1766000000000 } from './migrations/1766000000000-jobs';
import { Conversations1767000000000 } from './migrations/1767000000000-conversations';
import { CorpusVersion1768100000000 } from './migrations/1768100000000-corpus-version';
import { AuditLog1768300000000 } from './migrations/1768300000000-audit-log';
import { UsageDetails1768400000000 } from './migrations/1768400000000-usage-details';
import { UserForgets1768660000000 } from './migrations/1768660000000-user-forgets';
import { SourceLocks1768670000000 } from './migrations/1768670000000-source-locks';
import { ReindexJobs1768500000000 } from './migrations/1768500000000-reindex-jobs';
import { Access1768200000000 } from './migrations/1768200000000-access';
import { Bm25Postings1768510000000 } from './migrations/1768510000000-bm25-postings';
import { SharedState1768570000000 } from './migrations/1768570000000-shared-state';
import { DropRedundantChunkIndex1768610000000 } from './migrations/1768610000000-drop-redundant-chunk-index';
import { PostingsDeletePlan1768620000000 } from './migrations/1768620000000-postings-delete-plan';
import { TriggerPlansPerRun1768630000000 } from './migrations/1768630000000-trigger-plans-per-run';
import { ChunkHeadings1768640000000 } from './migrations/1768640000000-chunk-headings';
import { PostingsInsertMaterialized1768650000000 } from './migrations/1768650000000-postings-insert-materialized';
import { ReindexSlots1768680000000 } from './migrations/1768680000000-reindex-slots';
import { NfcSourceIds1768690000000 } from './migrations/1768690000000-nfc-source-ids';
import { NfcUserIds1768691000000 } from './migrations/1768691000000-nfc-user-ids';
import { NfcUsageUserIds1768710000000 } from './migrations/1768710000000-nfc-usage-user-ids';
import { TRANSACTION_RUNNER, TypeOrmTransactionRunner } from './transaction';

export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const DATABASE_STATE = Symbol('DATABASE_STATE');

export interface DatabaseState {
  mode: 'embedded' | 'server';
  /** Where the data lives: the embedded data dir, or the server host/db (no credentials). */
  location: string;
  migrationsRan: boolean;
  embedded?: EmbeddedPostgres;
  /** Embedded mode: the buffer cache chosen at boot (database.embedded.sharedBuffers, `auto` sized from the data). */
  bufferCache?: BufferCacheSize;
  /** Embedded mode: the timer that vacuums the ingestion tables (database.embedded.vacuum; no autovacuum there). */
  vacuum?: EmbeddedVacuum;
  /** Long work holding the embedded database's session (an index build): background pollers skip their turns meanwhile. */
  exclusive: ExclusiveWork;
}

export const MIGRATIONS = [InitSchema1763700000000, ReindexStaging1764000000000, AccentFolding1765000000000, Jobs1766000000000, Conversations1767000000000, CorpusVersion1768100000000, Access1768200000000, AuditLog1768300000000, UsageDetails1768400000000, ReindexJobs1768500000000, Bm25Postings1768510000000, SharedState1768570000000, DropRedundantChunkIndex1768610000000, PostingsDeletePlan1768620000000, TriggerPlansPerRun1768630000000, ChunkHeadings1768640000000, PostingsInsertMaterialized1768650000000, UserForgets1768660000000, SourceLocks1768670000000, ReindexSlots1768680000000, NfcSourceIds1768690000000, NfcUserIds1768691000000, NfcUsageUserIds1768710000000];

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityList = MixedList<Function | string | EntitySchema>;

/** Session settings every connection gets (pgvector search quality, statement timeout). */
export function sessionSettings(config: AppConfig): Record<string, string | number> {
  return {
    'hnsw.ef_search': config.retrieval.search.efSearch,
    'hnsw.iterative_scan': 'relaxed_order',
    statement_timeout: config.database.statementTimeoutMs,
  };
}

/** Opens the database (starting the embedded one when DATABASE_URL is unset) and runs migrations. */
export async function openDatabase(
  config: AppConfig,
  entities: EntityList,
  logger = new Logger('Database'),
): Promise<{ dataSource: DataSource; state: DatabaseState }> {
  const settings = sessionSettings(config);
  const startupOptions = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  let url = config.database.url;
  const state: DatabaseState = { mode: url ? 'server' : 'embedded', location: '', migrationsRan: false, exclusive: new ExclusiveWork() };
  if (!url) {
    const dir = resolveDataPath(config, config.database.embedded.dir);
    const started = Date.now();
    const cache = resolveBufferCache(config.database.embedded.sharedBuffers, embeddedDataDir(dir));
    state.bufferCache = cache;
    state.embedded = new EmbeddedPostgres({
      dir,
      maxConnections: config.database.embedded.maxConnections,
      sharedBuffers: cache.setting,
      log: (level, message) => logger[level](message),
    });
    url = (await state.embedded.start()).url;
    state.location = dir;
    const mb = (b: number) => Math.round(b / 2 ** 20);
    logger.log(
      `embedded Postgres (PGlite + pgvector) ready at ${dir} in ${Date.now() - started} ms (shared_buffers ${cache.setting}` +
        `${cache.source === 'auto' ? `, auto: ${mb(cache.dataBytes)}MB of data, at most ${mb(cache.capBytes)}MB on this machine` : ''})`,
    );
    const advice = bufferCacheAdvice(cache, cache.dataBytes);
    if (advice) logger.warn(advice);
  } else {
    const u = new URL(url);
    state.location = `${u.hostname}:${u.port || 5432}${u.pathname}`;
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
    extra: {
      // Embedded: ONE pooled connection. PGlite is a single session that runs one statement at a time, lent to one
      // connection at a time (PgWireServer): more connections would only queue. The startup options reach PGlite
      // too: the embedded server applies them with SET on each connection (and after an engine restart).
      max: state.mode === 'embedded' ? 1 : config.database.poolSize,
      options: startupOptions,
      // How long a request waits for a connection. Embedded, its one connection is held by one transaction at a time:
      // a write of a large document (one transaction, so that searches never see half of it) holds it for seconds, and
      // the wait a read must survive is the longest statement it may have to wait for (statement_timeout) plus the
      // usual 15 s (probe s16 #3: a read waited 15 s behind a 20 s upload and answered 503). 0: no statement timeout, no bound.
      connectionTimeoutMillis: state.mode === 'embedded' ? embeddedConnectionWaitMs(config.database.statementTimeoutMs) : CONNECTION_WAIT_MS,
    },
  });
  try {
    await dataSource.initialize();
    for (const m of await runMigrations(dataSource, config)) logger.log(`migration applied: ${m.name}`);
    state.migrationsRan = true;
    if (state.embedded) {
      // this process alone opens the embedded data dir: any ingestion lease left in it is a dead run's (a crash), which
      // would hold back an upload of its file until it lapsed
      await dataSource.query(`DELETE FROM source_locks`);
      state.vacuum = new EmbeddedVacuum(dataSource, { ...config.database.embedded.vacuum, statementTimeoutMs: config.database.statementTimeoutMs, exclusive: state.exclusive });
    }
    logger.log(`database ready (${state.mode}: ${state.location})`);
    return { dataSource, state };
  } catch (e) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await state.embedded?.stop();
    throw e;
  }
}

/** How long a request waits for a pooled connection on a database server. */
const CONNECTION_WAIT_MS = 15_000;

/** The embedded wait for its one connection: statement_timeout plus CONNECTION_WAIT_MS (0, no bound, without a timeout). */
export function embeddedConnectionWaitMs(statementTimeoutMs: number): number {
  return statementTimeoutMs > 0 ? statementTimeoutMs + CONNECTION_WAIT_MS : 0;
}

/**
 * Pending migrations, each in its own transaction. A migration may rewrite every chunk (accent folding does): like
 * a re-index cutover it runs without statement_timeout, which the embedded server now enforces too, on a
 * connection of its own that gets the configured timeout back before it returns to the pool.
 */
async function runMigrations(dataSource: DataSource, config: AppConfig) {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SET statement_timeout = 0');
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    await runner.query(`SET statement_timeout = ${Math.trunc(config.database.statementTimeoutMs)}`);
    return applied;
  } finally {
    await runner.release();
  }
}

/** Where PGlite keeps its files inside the embedded database directory. */
export function embeddedDataDir(dir: string): string {
  return join(dir, 'data');
}

/** How often the embedded data directory is measured against its buffer cache (a directory walk). */
const CACHE_CHECK_MS = 5 * 60_000;

export async function closeDatabase(dataSource: DataSource, state: DatabaseState): Promise<void> {
  await state.vacuum?.stop();
  if (dataSource.isInitialized) await dataSource.destroy();
  await state.embedded?.stop();
}

/** How a process on this machine reaches a listening address ("::" and "0.0.0.0" through the loopback). */
export function loopbackUrl(address: AddressInfo | string | null): string | undefined {
  if (!address || typeof address === 'string') return undefined;
  const host = ['::', '0.0.0.0'].includes(address.address) ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

class DatabaseLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private cacheTimer?: NodeJS.Timeout;
  private lastAdvice?: 'cache' | 'embedded';

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(DATABASE_STATE) private readonly state: DatabaseState,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /**
   * An HTTP app holding the embedded database says where it listens, beside the lock, once it does: the ingest CLI
   * then sends its files there instead of failing on the lock. (No HTTP server: an application context, nothing said.)
   */
  onApplicationBootstrap(): void {
    this.state.vacuum?.start();
    if (this.state.bufferCache) {
      this.lastAdvice = adviceKind(this.state.bufferCache, this.state.bufferCache.dataBytes); // said at boot
      this.cacheTimer = setInterval(() => void this.checkBufferCache(), CACHE_CHECK_MS);
      this.cacheTimer.unref();
    }
    const server = this.state.embedded && this.adapterHost?.httpAdapter?.getHttpServer?.();
    if (!server?.once) return;
    server.once('listening', () => {
      const url = loopbackUrl(server.address());
      if (url) this.state.embedded?.describeOwner('server', url);
    });
  }

  /**
   * Re-measures the embedded data as it grows: the log says once when it outgrows the cache chosen at boot (or what
   * embedded mode can cache at all), naming the largest collection.
   */
  async checkBufferCache(): Promise<string | undefined> {
    const cache = this.state.bufferCache;
    if (!cache) return undefined;
    const dataBytes = directoryBytes(embeddedDataDir(this.state.location));
    const advice = bufferCacheAdvice(cache, dataBytes);
    // once per kind of advice (past the boot-time cache, past what embedded mode can cache), not per measurement
    const kind = adviceKind(cache, dataBytes);
    if (kind && kind !== this.lastAdvice) {
      const rows: Array<{ collection: string; n: string }> = await this.dataSource
        .query(`SELECT collection, chunk_count::text AS n FROM collection_stats ORDER BY chunk_count DESC LIMIT 1`)
        .catch(() => []);
      const largest = rows[0] ? ` (largest collection: "${rows[0].collection}", ${rows[0].n} chunks)` : '';
      this.logger.warn(`${advice}${largest}`);
    }
    this.lastAdvice = kind;
    return advice;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.cacheTimer) clearInterval(this.cacheTimer);
    await closeDatabase(this.dataSource, this.state);
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(entities: EntityList): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: 'DATABASE_HANDLE',
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => openDatabase(config, entities),
        },
        { provide: DATA_SOURCE, inject: ['DATABASE_HANDLE'], useFactory: (h: { dataSource: DataSource }) => h.dataSource },
        { provide: DATABASE_STATE, inject: ['DATABASE_HANDLE'], useFactory: (h: { state: DatabaseState }) => h.state },
        { provide: TRANSACTION_RUNNER, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new TypeOrmTransactionRunner(ds) },
        DatabaseLifecycle,
      ],
      exports: [DATA_SOURCE, DATABASE_STATE, TRANSACTION_RUNNER],
    };
  }
}
