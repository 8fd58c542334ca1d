/*
 * A large first import through the CLI on the embedded database, with and without ingestion.bulkIndex (the HNSW
 * index dropped before the import and built once at its end, ChunkIndexer.beginBulkImport):
 *
 *   npx nest build && node --expose-gc dist/bench/bulk-import.bench.js
 *
 * Writes BENCH_BULK_DOCS (default 1000) synthetic documents of bench:ingest's corpus (10 chunks each) as .txt files,
 * then runs `npm run ingest`'s code in process (runIngestCli) on that folder into a fresh data dir per run, the two
 * settings alternating over BENCH_BULK_ROUNDS rounds (default 1: "on" first, then "off"; a second round reverses
 * the order; BENCH_BULK_SETTINGS=on runs only that one). The CLI's own summary time (every write, and with the setting on the index build) and the wall time from
 * boot to close are printed, with the build time and a search check (the index is there and finds documents).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { runIngestCli } from '../cli/ingest.command';
import { SearchHandler } from '../modules/retrieval';
import { environment, loadConfig } from '../shared/config';
import { DATA_SOURCE } from '../shared/database';
import { SyntheticCorpus } from './synthetic';

const DOCS = Number(process.env.BENCH_BULK_DOCS ?? 1000);
const ROUNDS = Number(process.env.BENCH_BULK_ROUNDS ?? 1);
/** BENCH_BULK_SETTINGS=on (or off): one setting only, for a size where the other takes too long. */
const SETTINGS = (process.env.BENCH_BULK_SETTINGS ?? 'on,off').split(',').map((v) => v.trim() === 'on');
const COLLECTION = 'bench-bulk';
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

async function run(folder: string, root: string, bulk: boolean): Promise<{ seconds: number; chunks: number; buildS: number | null; cliSeconds: number; cliRate: number }> {
  const dataDir = mkdtempSync(join(root, `data-${bulk ? 'on' : 'off'}-`));
  const env = { ...environment(), DATABASE_URL: '', EMBEDDER_PROVIDER: 'hashing' };
  const overrides = { app: { dataDir }, database: { url: '' }, ingestion: { bulkIndex: { enabled: bulk } } };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const started = Date.now();
  const code = await runIngestCli([folder, '--collection', COLLECTION], { stdout, stderr, isTTY: false }, overrides, { env, cwd: root });
  const seconds = (Date.now() - started) / 1000;
  await new Promise((r) => setImmediate(r));
  if (code !== 0) throw new Error(`ingest exited ${code}: ${err}`);
  const chunks = Number(/^\s+chunks\s+(\d+)$/m.exec(out)?.[1] ?? NaN);
  const build = /Vector index built in ([\d.]+) s/.exec(out);
  // the index is there and used: a vector query finds a document by its own paragraph
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadConfig({ env, overrides })), { logger: ['error'] });
  try {
    const ds = app.get<DataSource>(DATA_SOURCE);
    const [{ found }] = (await ds.query(`SELECT to_regclass('chunks_embedding_hnsw_384') IS NOT NULL AS found`)) as Array<{ found: boolean }>;
    const corpus = new SyntheticCorpus();
    const doc = corpus.document(Math.floor(DOCS / 2));
    const { hits } = await app.get(SearchHandler, { strict: false }).execute({ query: doc.paragraphs[3], collection: COLLECTION, mode: 'vector', topK: 5 });
    console.log(`  index present: ${found}; vector search for document ${doc.index}'s 4th paragraph: top hit ${String(hits[0]?.metadata.filename)}`);
  } finally {
    await app.close();
  }
  rmSync(dataDir, { recursive: true, force: true });
  const time = /^\s+time\s+([\d.]+) s \(([\d.]+) chunks\/s\)$/m.exec(out);
  return { seconds, chunks, buildS: build ? Number(build[1]) : null, cliSeconds: Number(time?.[1] ?? NaN), cliRate: Number(time?.[2] ?? NaN) };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'acervo-bulk-import-'));
  try {
    const folder = join(root, 'docs');
    mkdirSync(folder);
    const corpus = new SyntheticCorpus();
    for (let i = 0; i < DOCS; i++) {
      const doc = corpus.document(i);
      writeFileSync(join(folder, `doc-${String(i).padStart(6, '0')}.txt`), `# ${doc.title}\n\n${doc.text}`);
    }
    console.log(`${DOCS} documents written as .txt files; ${ROUNDS} round(s); load ${load()}`);
    const rows: string[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const bulk of r % 2 === 0 ? SETTINGS : [...SETTINGS].reverse()) {
        const t = new Date().toISOString().slice(11, 19);
        const l0 = load();
        const res = await run('docs', root, bulk);
        const row = `| ${r + 1} | ${bulk ? 'on' : 'off'} | ${t} UTC, ${l0} -> ${load()} | ${res.chunks} | ${res.cliSeconds} | **${res.cliRate}** | ${res.buildS ?? '-'} | ${res.seconds.toFixed(1)} |`;
        console.log(row);
        rows.push(row);
      }
    }
    console.log('\n| round | ingestion.bulkIndex | start, load (1/5/15 min) | chunks | CLI time s (its summary: writes and build) | chunks/s | of which index build s | boot to close s |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(row);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
