/**
 * A large first import through the CLI on the embedded database (ingestion.bulkIndex): the vector index is dropped
 * before the import and built once at its end, a later smaller import keeps it row by row, and an index an import
 * never rebuilt (killed in between) is built when the application next starts. Run in-process (runIngestCli) on a
 * throwaway data dir, with minChunks lowered so that a small folder counts as large.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { EXIT_OK, expectedChunks, runIngestCli } from '../src/cli/ingest.command';
import { SearchHandler } from '../src/modules/retrieval';
import { AppConfig, DeepPartial, loadConfig } from '../src/shared/config';
import { DATA_SOURCE } from '../src/shared/database';
import { capture } from './support/cli-capture';

const COLLECTION = 'bulk-index-e2e';
const INDEX = 'chunks_embedding_hnsw_384';
const WORDS = ['contrato', 'fornecedor', 'reembolso', 'auditoria', 'estoque', 'garantia', 'frete', 'tributo', 'cliente', 'prazo'];

/** A document of its own: a few paragraphs whose words and numbers differ from every other file's. */
function documentText(i: number): string {
  const paragraphs: string[] = [];
  for (let p = 0; p < 4; p++) {
    const w = (k: number) => WORDS[(i * 7 + p * 3 + k) % WORDS.length];
    paragraphs.push(
      `Registro ${i}-${p}: o ${w(0)} número ${1000 + i * 10 + p} trata de ${w(1)} e ${w(2)} na filial ${i % 13}. ` +
        `A equipe de ${w(3)} revisa o ${w(4)} ${i} a cada ${p + 2} semanas e anota o código R${i}P${p}. `.repeat(3),
    );
  }
  return paragraphs.join('\n\n');
}


describe('npm run ingest: the vector index built once for a large import (ingestion.bulkIndex)', () => {
  let root: string;
  let env: Record<string, string | undefined>;
  let overrides: DeepPartial<AppConfig>;

  const ingest = async (folder: string) => {
    const c = capture();
    const code = await runIngestCli([folder, '--collection', COLLECTION], c.io, overrides, { env, cwd: root });
    return { code, out: await c.stdout(), err: await c.stderr() };
  };

  async function withApp<T>(fn: (app: INestApplicationContext, ds: DataSource) => Promise<T>): Promise<T> {
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadConfig({ env, overrides })), {
      logger: ['error'],
      abortOnError: false,
    });
    try {
      return await fn(app, app.get<DataSource>(DATA_SOURCE));
    } finally {
      await app.close();
    }
  }

  const indexExists = async (ds: DataSource) => ((await ds.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [INDEX])) as Array<{ found: boolean }>)[0].found;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'acervo-bulk-index-'));
    env = { ...process.env, APP_PROFILES: 'test', DATABASE_URL: '', EMBEDDER_PROVIDER: 'hashing' };
    overrides = { app: { dataDir: join(root, 'data') }, database: { url: '' }, ingestion: { bulkIndex: { enabled: true, minChunks: 20 } } };
    mkdirSync(join(root, 'big'));
    for (let i = 0; i < 30; i++) writeFileSync(join(root, 'big', `doc-${i}.txt`), documentText(i));
    mkdirSync(join(root, 'small'));
    for (let i = 30; i < 33; i++) writeFileSync(join(root, 'small', `doc-${i}.txt`), documentText(i));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('estimates chunks from file sizes, PDF and DOCX at a quarter', async () => {
    const dir = join(root, 'sizes');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), Buffer.alloc(9072, 'a')); // 9 chunks of (256 - 32) tokens x 4.5 characters
    writeFileSync(join(dir, 'b.pdf'), Buffer.alloc(9072 * 4, 'b'));
    const targets = ['a.txt', 'b.pdf'].map((f) => ({ kind: 'file' as const, path: join(dir, f), name: f }));
    expect(await expectedChunks(targets, { unit: 'tokens', size: 256, overlap: 32 })).toBe(18);
    expect(await expectedChunks([...targets, { kind: 'url', url: 'https://example.com', name: 'x' }], { unit: 'characters', size: 1008, overlap: 0 })).toBe(18);
  });

  it('drops the index of an import larger than what is indexed, writes every file, builds the index once at the end', async () => {
    const run = await ingest('big');
    expect(run.err).toBe('');
    expect(run.code).toBe(EXIT_OK);
    expect(run.out).toMatch(/About \d+ chunks to write, more than the 0 vectors indexed: the vector index is built once at the end/);
    expect(run.out).toMatch(/Vector index built in [\d.]+ s/);
    expect(run.out).toMatch(/documents\s+30 \(30 new, 0 replaced, 0 deduplicated\)/);
    await withApp(async (app, ds) => {
      expect(await indexExists(ds)).toBe(true);
      const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM chunks WHERE collection = $1 AND dimension = 384`, [COLLECTION])) as Array<{ n: number }>;
      expect(n).toBeGreaterThanOrEqual(30);
      // the rebuilt index is valid and serves a vector query (the other plans off: the table is small)
      const runner = ds.createQueryRunner();
      try {
        for (const plan of ['seqscan', 'bitmapscan', 'sort']) await runner.query(`SET enable_${plan} = off`);
        const [{ e }] = (await runner.query(`SELECT embedding::text AS e FROM chunks LIMIT 1`)) as Array<{ e: string }>;
        const plan = (await runner.query(
          `EXPLAIN SELECT id FROM chunks WHERE dimension = 384 AND collection = $1 ORDER BY embedding::vector(384) <=> $2::vector(384) LIMIT 5`,
          [COLLECTION, e],
        )) as Array<{ 'QUERY PLAN': string }>;
        expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain(`Index Scan using ${INDEX}`);
      } finally {
        for (const plan of ['seqscan', 'bitmapscan', 'sort']) await runner.query(`RESET enable_${plan}`);
        await runner.release();
      }
      // and it finds each file by its own text
      const search = app.get(SearchHandler, { strict: false });
      for (const i of [0, 17, 29]) {
        const { hits } = await search.execute({ query: documentText(i).split('\n\n')[1], collection: COLLECTION, mode: 'vector', topK: 3 });
        expect(hits[0]?.metadata).toMatchObject({ filename: `big/doc-${i}.txt` });
      }
    });
  }, 240_000);

  it('keeps the index row by row for an import smaller than what is indexed', async () => {
    const run = await ingest('small');
    expect(run.code).toBe(EXIT_OK);
    expect(run.out).not.toContain('vector index');
    expect(run.out).toMatch(/documents\s+3 \(3 new, 0 replaced, 0 deduplicated\)/);
    await withApp(async (app, ds) => {
      expect(await indexExists(ds)).toBe(true);
      const { hits } = await app.get(SearchHandler, { strict: false }).execute({ query: documentText(31).split('\n\n')[2], collection: COLLECTION, mode: 'vector', topK: 3 });
      expect(hits[0]?.metadata).toMatchObject({ filename: `small/doc-31.txt` });
    });
  }, 240_000);

  it('builds a missing index (an import killed before its end) when the application starts, and the CLI says so', async () => {
    const drop = () =>
      withApp(async (_app, ds) => {
        await ds.query(`DROP INDEX ${INDEX}`);
        expect(await indexExists(ds)).toBe(false);
      });
    await drop();
    await withApp(async (app, ds) => {
      expect(await indexExists(ds)).toBe(true);
      const { hits } = await app.get(SearchHandler, { strict: false }).execute({ query: documentText(5).split('\n\n')[0], collection: COLLECTION, mode: 'vector', topK: 3 });
      expect(hits[0]?.metadata).toMatchObject({ filename: `big/doc-5.txt` });
    });
    // the CLI boots quietly: it reports the build it found needed (here before a run that stores nothing new)
    await drop();
    const run = await ingest('small');
    expect(run.code).toBe(EXIT_OK);
    expect(run.out).toMatch(/The vector index for dimension 384 was missing \(an earlier import stopped before building it\): built over \d+ vectors in [\d.]+ s/);
    expect(run.out).toMatch(/documents\s+3 \(0 new, 0 replaced, 3 deduplicated\)/);
    await withApp(async (_app, ds) => expect(await indexExists(ds)).toBe(true));
  }, 240_000);

  it('starts and serves when the missing index cannot be built, and builds it at a later start', async () => {
    await withApp(async (_app, ds) => {
      await ds.query(`DROP INDEX ${INDEX}`);
      // a row the build cannot take: 8 numbers where the index expects 384
      await ds.query(`UPDATE chunks SET embedding = array_fill(0.5, ARRAY[8])::vector WHERE id = (SELECT id FROM chunks WHERE collection = $1 ORDER BY id LIMIT 1)`, [COLLECTION]);
    });
    await withApp(async (app, ds) => {
      expect(await indexExists(ds)).toBe(false);
      const { hits } = await app.get(SearchHandler, { strict: false }).execute({ query: documentText(7).split('\n\n')[0], collection: COLLECTION, mode: 'text', topK: 3 });
      expect(hits[0]?.metadata).toMatchObject({ filename: `big/doc-7.txt` });
      await ds.query(`DELETE FROM chunks WHERE collection = $1 AND vector_dims(embedding) <> 384`, [COLLECTION]);
    });
    await withApp(async (_app, ds) => expect(await indexExists(ds)).toBe(true));
  }, 240_000);
});
