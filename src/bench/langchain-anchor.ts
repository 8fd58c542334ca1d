/*
 * bench:ingest's anchor: LangChain.js `PGVectorStore.addDocuments` (@langchain/community), the vector store a
 * TypeScript user would pick, on the same database as acervo (the embedded engine through its Postgres wire
 * server, or DATABASE_URL), with acervo's embedder and the same chunks.
 *
 * It is installed apart, in bench/langchain-anchor (its own package.json and lockfile, `npm ci` there on first use):
 * beside acervo's dependencies @langchain/community 1.1.29 does not install (npm ERESOLVE: its optional peer
 * @browserbasehq/stagehand wants dotenv ^16, acervo has dotenv 18). It is pinned to @langchain/core 1.4.0, acervo's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { ChunkIndexer } from '../modules/retrieval';
import type { BenchContext } from './bench-app';

export const ANCHOR_DIR = resolve(__dirname, '..', '..', 'bench', 'langchain-anchor');
export const ANCHOR_TABLE = 'langchain_anchor';

export interface AnchorDocument {
  pageContent: string;
  metadata: Record<string, unknown>;
}

interface PgVectorStoreLike {
  addDocuments(docs: AnchorDocument[]): Promise<unknown>;
  createHnswIndex(config: { dimensions: number; m?: number; efConstruction?: number }): Promise<void>;
  end(): Promise<void>;
}

interface PgVectorStoreClass {
  initialize(embeddings: unknown, config: Record<string, unknown>): Promise<PgVectorStoreLike>;
}

export interface Anchor {
  store: PgVectorStoreLike;
  /** @langchain/community version, for the report. */
  version: string;
}

/** Installs bench/langchain-anchor (npm ci, once) and loads PGVectorStore; null (with the reason printed) when it cannot. */
export function loadPgVectorStore(): { PGVectorStore: PgVectorStoreClass; version: string } | null {
  if (!existsSync(join(ANCHOR_DIR, 'node_modules', '@langchain', 'community'))) {
    console.log(`[anchor] installing LangChain.js in ${ANCHOR_DIR} (npm ci, once)`);
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ANCHOR_DIR, stdio: 'inherit' });
    if (r.status !== 0) {
      console.log('[anchor] npm ci failed: the LangChain anchor is skipped');
      return null;
    }
  }
  const req = createRequire(join(ANCHOR_DIR, 'package.json'));
  const { PGVectorStore } = req('@langchain/community/vectorstores/pgvector') as { PGVectorStore: PgVectorStoreClass };
  const version = (req('@langchain/community/package.json') as { version: string }).version;
  return { PGVectorStore, version };
}

/** The connection string of the database the app uses (the embedded engine's wire server in embedded mode). */
function databaseUrl(dataSource: DataSource): string {
  const url = (dataSource.options as { url?: string }).url;
  if (!url) throw new Error('the data source has no URL');
  return url;
}

/**
 * Opens PGVectorStore on a table of its own in the app's database, with acervo's active embedder (ChunkIndexer.embed:
 * the same model, batch size and vectors as acervo's own ingestion) and, when `seedFrom` names a collection, that
 * collection's chunks copied in (text, metadata, vector) with the HNSW index LangChain's createHnswIndex builds
 * (m 16, ef_construction 64, as acervo's): the anchor then adds to a table as large as acervo's collection.
 */
export async function openAnchor(
  ctx: BenchContext,
  loaded: { PGVectorStore: PgVectorStoreClass; version: string },
  dimensions: number,
  seedFrom?: string,
): Promise<Anchor & { seedMs: number; indexMs: number; rows: number; kept: boolean }> {
  const indexer = ctx.app.get(ChunkIndexer);
  const embeddings = {
    embedDocuments: async (texts: string[]) =>
      (await indexer.embed(texts.map((text, position) => ({ text, position, start: 0, end: text.length })))).map((c) => Array.from(c.embedding)),
    embedQuery: async (text: string) => Array.from((await indexer.embed([{ text, position: 0, start: 0, end: text.length }]))[0].embedding),
  };
  // A saved corpus may hold the anchor's table already (seeded as below, e.g. by an earlier run saved with it): kept
  // when it holds a copy of the collection (at least 75% of its rows) and its HNSW index; built again otherwise.
  const kept = seedFrom ? await seededAlready(ctx.dataSource, seedFrom) : false;
  if (!kept) await ctx.dataSource.query(`DROP TABLE IF EXISTS ${ANCHOR_TABLE}`);
  const store = await loaded.PGVectorStore.initialize(embeddings, {
    // (two: PGVectorStore.initialize keeps one client checked out for as long as the store lives)
    postgresConnectionOptions: { connectionString: databaseUrl(ctx.dataSource), max: 2 },
    tableName: ANCHOR_TABLE,
    dimensions,
    distanceStrategy: 'cosine',
  });
  // The client PGVectorStore keeps checked out has no 'error' listener: an engine restart (a statement of ours past
  // its timeout closes every connection) would otherwise end the process.
  (store as unknown as { client?: { on(event: 'error', listener: (e: Error) => void): void } }).client?.on('error', (e) =>
    console.log(`[anchor] LangChain's held client: ${e.message}`),
  );
  let seedMs = 0;
  let indexMs = 0;
  if (seedFrom && !kept) {
    const t = performance.now();
    await ctx.dataSource.query(
      `INSERT INTO ${ANCHOR_TABLE} (id, text, metadata, embedding)
       SELECT id, text, metadata, embedding::vector(${Math.trunc(dimensions)}) FROM chunks WHERE collection = $1`,
      [seedFrom],
    );
    seedMs = performance.now() - t;
  }
  const t = performance.now();
  if (!kept) await store.createHnswIndex({ dimensions, m: 16, efConstruction: 64 });
  indexMs = performance.now() - t;
  const [{ n }] = (await ctx.dataSource.query(`SELECT count(*)::int AS n FROM ${ANCHOR_TABLE}`)) as Array<{ n: number }>;
  return { store, version: loaded.version, seedMs, indexMs, rows: n, kept };
}

async function seededAlready(dataSource: DataSource, collection: string): Promise<boolean> {
  const [{ table }] = (await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS table`, [ANCHOR_TABLE])) as Array<{ table: boolean }>;
  if (!table) return false;
  const [{ rows, chunks, indexed }] = (await dataSource.query(
    `SELECT (SELECT count(*)::int FROM ${ANCHOR_TABLE}) AS rows, (SELECT count(*)::int FROM chunks WHERE collection = $1) AS chunks,
            EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = $2 AND indexdef ILIKE '%USING hnsw%') AS indexed`,
    [collection, ANCHOR_TABLE],
  )) as Array<{ rows: number; chunks: number; indexed: boolean }>;
  // (the collection grows by this run's own earlier steps before the anchor opens: a copy is a copy if it is at
  // least three quarters as large; the table's row count is reported beside the figures)
  return indexed && rows >= chunks * 0.75;
}
