/*
 * Ingestion throughput.
 *
 *   npm run bench:ingest        (nest build && node --expose-gc dist/bench/ingest.bench.js)
 *
 * (a) SQuAD-pt dev: all 217 paragraphs through IngestTextHandler, the path every driving adapter
 *     ends in (normalize, content-hash dedup, token chunker, embed, one transaction per document).
 * (b) Synthetic Portuguese-like corpus, 10,000 documents x 10 chunks = 100,000 chunks (synthetic.ts):
 *     1. full path (IngestTextHandler) on the first BENCH_FULL_PATH_DOCS documents (default 300 =
 *        3,000 chunks) into the empty collection, HNSW maintained row by row;
 *     2. bulk path for the rest (bulk-load.ts: ChunkIndexer.embed + ChunkIndexer.write, 250 documents
 *        per transaction, HNSW index dropped and rebuilt once at the end), giving the 100k corpus;
 *     3. full path again for BENCH_STEADY_DOCS more documents (default 100) into the 100k collection:
 *        what adding documents to a large collection costs (incremental inserts into a 100k graph).
 *
 * (c) Public path into the saved 100k corpus (publicPathPhase): per document vs batched upload, then the anchor,
 *     LangChain.js PGVectorStore.addDocuments (langchain-anchor.ts, installed apart in bench/langchain-anchor), side
 *     by side with our batched upload: same database, embedder and chunks (BENCH_ANCHOR_ROUNDS, BENCH_LANGCHAIN=0),
 *     then the anime CSV both ways. BENCH_ONLY=public BENCH_SEED_DIR=<saved corpus> runs this phase alone. In server
 *     mode (DATABASE_URL) it has no saved corpus: BENCH_SERVER_SEED_DOCS=<n> fills the collection with the first n
 *     synthetic documents first (bulk path; BENCH_SERVER_SEED_DEFER=1 drops the HNSW index for it and rebuilds it
 *     after, on a throwaway server only), and BENCH_PUBLIC_FIRST moves its own documents for a second run.
 *
 * The finished 100k database (before step 3) is saved for bench:search (corpus-cache.ts; BENCH_NO_CACHE=1 to skip).
 * Each corpus runs in its own child process on its own throwaway embedded database, so the peak RSS
 * figures (process RSS, which includes the in-process PGlite) do not carry over between corpora.
 * BENCH_SYNTHETIC_DOCS shrinks the synthetic corpus; BENCH_WRITE_DOCS=0 leaves docs/BENCHMARKS.md alone.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { IngestFilesHandler, type IngestResult } from '../modules/ingestion';
import { ChunkIndexer } from '../modules/retrieval';
import { benchApp, type BenchContext } from './bench-app';
import { ANCHOR_TABLE, loadPgVectorStore, openAnchor } from './langchain-anchor';
import { bulkLoadSynthetic } from './bulk-load';
import { benchCollection, cleanupCollection, ingestSquad, ingestSyntheticFullPath, serverMode, SYNTHETIC_DOCS, SYNTHETIC_SHARED_BUFFERS, syntheticOverrides } from './corpora';
import { cacheEnabled, findSnapshot, recordSnapshot, snapshotDir } from './corpus-cache';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { databaseMode, gc, markdownTable, PeakRss, round } from './stats';
import { CHUNKS_PER_DOC, SyntheticCorpus } from './synthetic';

const FULL_PATH_DOCS = Math.min(SYNTHETIC_DOCS, Number(process.env.BENCH_FULL_PATH_DOCS ?? 300));
const STEADY_DOCS = Number(process.env.BENCH_STEADY_DOCS ?? 100);
const ANIME_CSV = process.env.ANIME_CSV_PATH ?? join(__dirname, '..', '..', 'test', 'fixtures', 'datasets', 'anime', 'anime_with_synopsis.csv');
const PUBLIC_DOCS = Number(process.env.BENCH_PUBLIC_DOCS ?? 200);
const ANCHOR_ROUNDS = Number(process.env.BENCH_ANCHOR_ROUNDS ?? 2);
/** Server mode: the public phase first fills its collection with synthetic documents [0, this) (bulk path, HNSW kept). */
const SERVER_SEED_DOCS = Math.min(SYNTHETIC_DOCS, Number(process.env.BENCH_SERVER_SEED_DOCS ?? 0));
/** First synthetic document index of the public phase (raise it to run the phase again on the same server). */
const PUBLIC_FIRST = Number(process.env.BENCH_PUBLIC_FIRST ?? SYNTHETIC_DOCS + STEADY_DOCS + 1000);
const RESULT_PREFIX = 'BENCH_RESULT ';

interface IngestRow {
  corpus: string;
  path: string;
  docs: number;
  chunks: number;
  seconds: number;
  peakRssMiB: number;
  note: string;
}

function row(corpus: string, path: string, docs: number, chunks: number, ms: number, peak: PeakRss, note = ''): IngestRow {
  return { corpus, path, docs, chunks, seconds: ms / 1000, peakRssMiB: peak.mib, note };
}

async function squadPhase(): Promise<IngestRow[]> {
  const peak = new PeakRss();
  const ctx = await benchApp();
  const collection = benchCollection('bench-squad');
  try {
    gc();
    peak.reset();
    const r = await ingestSquad(ctx, collection);
    const dist = new Map<number, number>();
    for (const n of r.chunksPerDoc) dist.set(n, (dist.get(n) ?? 0) + 1);
    const spread = [...dist.entries()].sort((a, b) => a[0] - b[0]).map(([n, c]) => `${c}x${n}`).join(', ');
    return [row('SQuAD-pt dev', 'full: IngestTextHandler, 1 tx/doc', r.docs, r.chunks, r.ms, peak, `chunks per doc: ${spread}`)];
  } finally {
    await cleanupCollection(ctx, collection);
    await ctx.close();
    peak.stop();
  }
}

async function syntheticPhase(): Promise<IngestRow[]> {
  const corpus = new SyntheticCorpus();
  const peak = new PeakRss();
  let ctx = await benchApp(syntheticOverrides());
  const collection = benchCollection('bench-synthetic');
  const rows: IngestRow[] = [];
  const name = `synthetic (${SYNTHETIC_DOCS.toLocaleString('en')} docs x ${CHUNKS_PER_DOC} chunks)`;
  try {
    gc();
    peak.reset();
    console.log(`[synthetic] full path: documents 0..${FULL_PATH_DOCS}`);
    const full = await ingestSyntheticFullPath(ctx, corpus, collection, 0, FULL_PATH_DOCS);
    rows.push(row(name, 'full: IngestTextHandler, 1 tx/doc, into empty collection', full.docs, full.chunks, full.ms, peak, 'HNSW maintained per row; generator time excluded; every doc gave exactly 10 chunks'));

    gc();
    peak.reset();
    console.log(`[synthetic] bulk path: documents ${FULL_PATH_DOCS}..${SYNTHETIC_DOCS}`);
    const bulk = await bulkLoadSynthetic(ctx, corpus, {
      collection,
      from: FULL_PATH_DOCS,
      to: SYNTHETIC_DOCS,
      deferIndex: true,
      onProgress: (d) => {
        if (d % 1000 === 0) console.log(`[synthetic]   ${d} documents, rss ${Math.round(peak.mib)} MiB`);
      },
    });
    const s = (ms: number) => `${round(ms / 1000, 1)} s`;
    const indexNote = bulk.indexDeferred
      ? `HNSW rebuilt over all ${(full.chunks + bulk.chunks).toLocaleString('en')} chunks after load: ${s(bulk.indexMs)}`
      : 'HNSW maintained per row (server mode)';
    rows.push(
      row(name, 'bulk: ChunkIndexer.embed + write, 250 docs/tx', bulk.docs, bulk.chunks, bulk.totalMs - bulk.generateMs, peak,
        `embed ${s(bulk.embedMs)}, write ${s(bulk.writeMs)}, ${indexNote}, ANALYZE incl.; generator ${s(bulk.generateMs)} excluded`),
    );
    const [{ n }] = (await ctx.dataSource.query(`SELECT count(*)::int AS n FROM chunks WHERE collection = $1`, [collection])) as Array<{ n: number }>;
    if (n !== SYNTHETIC_DOCS * CHUNKS_PER_DOC) throw new Error(`expected ${SYNTHETIC_DOCS * CHUNKS_PER_DOC} chunks, found ${n}`);
    const buildMs = full.ms + bulk.totalMs - bulk.generateMs;
    rows.push(row(name, 'corpus total (full + bulk rows above)', full.docs + bulk.docs, n, buildMs, peak, 'the 100k corpus bench:search measures'));

    let reopened = '';
    if (cacheEnabled()) {
      // keep this exact corpus for bench:search (see corpus-cache.ts), then carry on from the saved copy
      const dir = snapshotDir(SYNTHETIC_DOCS);
      await ctx.closeAndSave(dir);
      recordSnapshot({ docs: SYNTHETIC_DOCS, chunks: n, collection, builtBy: `bench:ingest (full path ${FULL_PATH_DOCS} docs, bulk path the rest)`, buildSeconds: round(buildMs / 1000, 1) });
      ctx = await benchApp(syntheticOverrides(), { seedDataDir: dir });
      reopened = '; database closed, saved for bench:search and reopened first (cold shared buffers)';
      console.log(`[synthetic] corpus saved to ${dir}`);
    }

    if (STEADY_DOCS > 0) {
      gc();
      peak.reset();
      console.log(`[synthetic] full path into the ${n}-chunk collection: ${STEADY_DOCS} documents`);
      const steady = await ingestSyntheticFullPath(ctx, corpus, collection, SYNTHETIC_DOCS, SYNTHETIC_DOCS + STEADY_DOCS);
      rows.push(row(name, `full: IngestTextHandler, into the ${Math.round(n / 1000)}k-chunk collection`, steady.docs, steady.chunks, steady.ms, peak, `HNSW maintained per row in the large graph${reopened}`));
    }
    return rows;
  } finally {
    await cleanupCollection(ctx, collection);
    await ctx.close();
    peak.stop();
  }
}

/**
 * The public path into the 100k collection, the batched upload next to the per-document anchor in the same run:
 * the saved 100k corpus (bench:ingest's snapshot, or BENCH_SEED_DIR) reopened, then BENCH_PUBLIC_DOCS synthetic
 * documents through IngestTextHandler.execute one by one (what every path did before batching), and as many
 * other documents as one JSON upload through IngestFilesHandler.execute (the upload, CSV, job and CLI path,
 * batched). Then the anime CSV, both ways, each into a collection of its own.
 */
async function publicPathPhase(): Promise<IngestRow[]> {
  const seed = process.env.BENCH_SEED_DIR ?? findSnapshot(SYNTHETIC_DOCS)?.dir;
  if (!seed && !serverMode()) {
    console.log('[public] no saved 100k corpus (BENCH_NO_CACHE?): skipped');
    return [];
  }
  const corpus = new SyntheticCorpus();
  const peak = new PeakRss();
  const ctx = await benchApp(syntheticOverrides(), seed ? { seedDataDir: seed } : {});
  const collection = 'bench-synthetic';
  const rows: IngestRow[] = [];
  try {
    const files = ctx.app.get(IngestFilesHandler);
    if (serverMode() && SERVER_SEED_DOCS > 0) rows.push(...(await seedServerCollection(ctx, corpus, collection, peak)));
    const [{ n }] = (await ctx.dataSource.query(`SELECT count(*)::int AS n FROM chunks WHERE collection = $1`, [collection])) as Array<{ n: number }>;
    const name = `synthetic, into the ${Math.round(n / 1000)}k-chunk collection`;
    const first = PUBLIC_FIRST;
    gc();
    peak.reset();
    console.log(`[public] per document: ${PUBLIC_DOCS} documents into ${n} chunks`);
    const one = await ingestSyntheticFullPath(ctx, corpus, collection, first, first + PUBLIC_DOCS);
    rows.push(row(name, 'per document: IngestTextHandler.execute, 1 tx/doc (the anchor: every path before batching)', one.docs, one.chunks, one.ms, peak, 'HNSW maintained per row'));

    gc();
    peak.reset();
    const docs = Array.from({ length: PUBLIC_DOCS }, (_, i) => corpus.document(first + PUBLIC_DOCS + i));
    const buffer = Buffer.from(JSON.stringify(docs.map((d) => ({ title: d.title, text: d.text, metadata: { synthetic: true, doc: d.index } }))));
    console.log(`[public] one upload of ${PUBLIC_DOCS} documents (${Math.round(buffer.length / 1024)} KiB of JSON)`);
    const t0 = performance.now();
    const results = await files.execute({ collection, files: [{ buffer, filename: `synthetic-batch-${first}.json` }] });
    const ms = performance.now() - t0;
    const chunks = results.reduce((k, r) => k + r.chunks, 0);
    if (chunks !== PUBLIC_DOCS * CHUNKS_PER_DOC) throw new Error(`upload gave ${chunks} chunks, expected ${PUBLIC_DOCS * CHUNKS_PER_DOC}`);
    const { documents, characters } = ctx.config.ingestion.batch;
    rows.push(row(name, `batched: IngestFilesHandler.execute (upload/CSV/job/CLI path), ${documents} docs or ${characters.toLocaleString('en')} chars per tx`, results.length, chunks, ms, peak, 'HNSW maintained per row; JSON parse included'));

    rows.push(...(await langchainRounds(ctx, corpus, collection, name, first + 2 * PUBLIC_DOCS, peak)));

    const anime = readFileSync(ANIME_CSV);
    for (const [path, batched] of [['per document (before)', false], ['batched (after)', true]] as const) {
      const target = `anime-${batched ? 'batched' : 'per-doc'}`;
      gc();
      peak.reset();
      const t = performance.now();
      const raw = [{ buffer: anime, filename: 'anime_with_synopsis.csv' }];
      let out: IngestResult[];
      if (batched) out = await files.execute({ collection: target, files: raw });
      else {
        const parsed = await files.parseAll(raw);
        out = [];
        for (const d of parsed[0].docs)
          out.push(await ctx.ingest.execute({ collection: target, title: d.title, text: d.text, mimeType: d.mimeType, sourceType: 'upload', sourceId: `anime_with_synopsis.csv${d.sourceSuffix ?? ''}`, metadata: d.metadata }));
      }
      rows.push(row('anime CSV (bundled copy)', `${path}: parse + ingest`, out.length, out.reduce((k, r) => k + r.chunks, 0), performance.now() - t, peak, 'its own new collection'));
    }
    return rows;
  } finally {
    await ctx.close();
    peak.stop();
  }
}

/**
 * Server mode has no saved corpus: BENCH_SERVER_SEED_DOCS fills the public phase's collection on the server first,
 * through the bulk path (HNSW and triggers maintained row by row: the index is shared there), from the documents it
 * already holds up to that many. Its row is the seeding itself, not the public path.
 */
async function seedServerCollection(ctx: BenchContext, corpus: SyntheticCorpus, collection: string, peak: PeakRss): Promise<IngestRow[]> {
  const [{ have }] = (await ctx.dataSource.query(`SELECT count(*)::int AS have FROM documents WHERE collection = $1`, [collection])) as Array<{ have: number }>;
  if (have >= SERVER_SEED_DOCS) return [];
  console.log(`[public] seeding the server's collection: documents ${have}..${SERVER_SEED_DOCS} through the bulk path`);
  gc();
  peak.reset();
  const bulk = await bulkLoadSynthetic(ctx, corpus, {
    collection,
    from: have,
    to: SERVER_SEED_DOCS,
    // (only with BENCH_SERVER_SEED_DEFER=1: a throwaway server of the benchmark's, the index dropped and rebuilt)
    deferIndex: true,
    onProgress: (d) => {
      if (d % 1000 === 0) console.log(`[public]   ${have + d} documents seeded`);
    },
  });
  const s = (ms: number) => `${round(ms / 1000, 1)} s`;
  return [
    row(`synthetic seed (server), ${have * CHUNKS_PER_DOC} -> ${SERVER_SEED_DOCS * CHUNKS_PER_DOC} chunks`, 'bulk: ChunkIndexer.embed + write, 250 docs/tx (seeding, not the public path)', bulk.docs, bulk.chunks, bulk.totalMs - bulk.generateMs, peak,
      `embed ${s(bulk.embedMs)}, write ${s(bulk.writeMs)}, ${bulk.indexDeferred ? `HNSW dropped and rebuilt in ${s(bulk.indexMs)}, postings triggers` : 'HNSW and postings triggers'} maintained per row, ANALYZE incl.`),
  ];
}

/**
 * The anchor side by side with ours, into collections of the same size on the same database: LangChain.js
 * PGVectorStore.addDocuments on its own table (seeded with a copy of the collection's chunks and LangChain's HNSW
 * index), and our batched upload (IngestFilesHandler.execute, one JSON file) into the collection, with the same
 * documents, the same embedder, and the same chunks (each synthetic paragraph is one chunk of ours; LangChain is
 * handed the paragraphs, so its time includes no chunking). BENCH_ANCHOR_ROUNDS rounds of BENCH_PUBLIC_DOCS
 * documents each, the two alternating which goes first; BENCH_LANGCHAIN=0 skips it.
 */
async function langchainRounds(ctx: BenchContext, corpus: SyntheticCorpus, collection: string, name: string, first: number, peak: PeakRss): Promise<IngestRow[]> {
  const loaded = process.env.BENCH_LANGCHAIN === '0' ? null : loadPgVectorStore();
  if (!loaded) return [];
  const files = ctx.app.get(IngestFilesHandler);
  const info = await ctx.app.get(ChunkIndexer).openCollection(collection);
  console.log(`[anchor] LangChain.js PGVectorStore ${loaded.version}: its table ${ANCHOR_TABLE}, a copy of ${collection}'s chunks with an HNSW index`);
  const anchor = await openAnchor(ctx, loaded, info.dimension, collection);
  console.log(
    anchor.kept
      ? `[anchor] ${anchor.rows} rows and their index kept from the saved corpus`
      : `[anchor] ${anchor.rows} rows copied in ${round(anchor.seedMs / 1000, 1)} s, HNSW index built in ${round(anchor.indexMs / 1000, 1)} s`,
  );
  const ours = { docs: 0, chunks: 0, ms: 0 };
  const theirs = { docs: 0, chunks: 0, ms: 0 };
  // server mode: ours with one batch written at a time too (ingestion.batch.writers 1, what came before), same rounds
  const writers = ctx.config.ingestion.batch.writers;
  const compareOne = serverMode() && writers > 1 && process.env.BENCH_COMPARE_WRITERS !== '0';
  const one = { docs: 0, chunks: 0, ms: 0 };
  gc();
  peak.reset();
  try {
    // round -1 warms both up (not counted): the anchor's table and index are cold after the seed copy or the reopen
    for (let r = -1; r < ANCHOR_ROUNDS; r++) {
      const size = r < 0 ? Math.min(10, PUBLIC_DOCS) : PUBLIC_DOCS;
      // (ours with one writer gets other documents of the same generator, after the round's: the same sizes)
      const slot = (k: number) => first + (r + 1) * PUBLIC_DOCS * (compareOne ? 2 : 1) + k;
      const docs = Array.from({ length: size }, (_, i) => corpus.document(slot(i)));
      const upload = async (into: { docs: number; chunks: number; ms: number }, batch: typeof docs, tag: string) => {
        const buffer = Buffer.from(JSON.stringify(batch.map((d) => ({ title: d.title, text: d.text, metadata: { synthetic: true, doc: d.index } }))));
        const t = performance.now();
        const results = await files.execute({ collection, files: [{ buffer, filename: `anchor-round-${first}-${r}${tag}.json` }] });
        into.ms += performance.now() - t;
        into.docs += results.length;
        into.chunks += results.reduce((k, x) => k + x.chunks, 0);
      };
      const runOurs = () => upload(ours, docs, '');
      const runOne = async () => {
        ctx.config.ingestion.batch.writers = 1;
        try {
          await upload(one, Array.from({ length: size }, (_, i) => corpus.document(slot(PUBLIC_DOCS + i))), '-one-writer');
        } finally {
          ctx.config.ingestion.batch.writers = writers;
        }
      };
      const runTheirs = async () => {
        const chunks = docs.flatMap((d) => d.paragraphs.map((pageContent, position) => ({ pageContent, metadata: { synthetic: true, doc: d.index, position, title: d.title } })));
        const t = performance.now();
        await anchor.store.addDocuments(chunks);
        theirs.ms += performance.now() - t;
        theirs.docs += docs.length;
        theirs.chunks += chunks.length;
      };
      const steps = compareOne ? [runOurs, runOne, runTheirs] : [runOurs, runTheirs];
      if (r < 0) {
        const [o, t, w] = [{ ...ours }, { ...theirs }, { ...one }];
        for (const step of steps) await step();
        Object.assign(ours, o);
        Object.assign(theirs, t);
        Object.assign(one, w);
        gc();
        peak.reset();
        continue;
      }
      // each round starts with the next side: every side goes first as often as the others over len(steps) rounds
      for (let k = 0; k < steps.length; k++) await steps[(r + k) % steps.length]();
      const rate = (x: { chunks: number; ms: number }) => round((x.chunks / x.ms) * 1000, 1);
      console.log(`[anchor] round ${r + 1}/${ANCHOR_ROUNDS}: ours ${rate(ours)} chunks/s${compareOne ? `, ours with one writer ${rate(one)}` : ''}, LangChain ${rate(theirs)} chunks/s so far`);
    }
  } finally {
    await anchor.store.end();
  }
  const ratio = (x: { chunks: number; ms: number }) => round(x.chunks / x.ms / (theirs.chunks / theirs.ms), 2);
  const rounds = `${ANCHOR_ROUNDS} rounds of ${PUBLIC_DOCS} documents, alternating who goes first`;
  const oneRow = compareOne
    ? [row(name, 'batched, one batch written at a time (ingestion.batch.writers 1), beside the anchor', one.docs, one.chunks, one.ms, peak, `${rounds}; ${ratio(one)}x the anchor`)]
    : [];
  return [
    row(name, `batched: IngestFilesHandler.execute, one JSON upload per round (ours, beside the anchor)${compareOne ? `, ${writers} batches written at once` : ''}`, ours.docs, ours.chunks, ours.ms, peak, `${rounds}; ${ratio(ours)}x the anchor`),
    ...oneRow,
    row(
      `LangChain table, ${Math.round(anchor.rows / 1000)}k rows`,
      `anchor: LangChain.js PGVectorStore.addDocuments (@langchain/community ${anchor.version})`,
      theirs.docs,
      theirs.chunks,
      theirs.ms,
      peak,
      `same database, embedder and chunks; its table seeded with the collection's chunks, createHnswIndex (m 16, ef_construction 64) ${anchor.kept ? 'kept from the saved corpus' : `built in ${round(anchor.indexMs / 1000, 1)} s`}; no chunking in its time`,
    ),
  ];
}

/** Runs one phase in a child process (own heap, own PGlite, own RSS) and returns its rows. */
function runChild(phase: string): Promise<IngestRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, __filename, `--phase=${phase}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let rows: IngestRow[] | undefined;
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith(RESULT_PREFIX)) rows = JSON.parse(line.slice(RESULT_PREFIX.length)) as IngestRow[];
        else console.log(line);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && rows ? resolve(rows) : reject(new Error(`phase ${phase} exited with ${code}`))));
  });
}

function table(rows: IngestRow[]): string {
  return markdownTable(
    ['corpus', 'path', 'docs', 'chunks', 'seconds', 'chunks/s', 'docs/s', 'peak RSS (MiB)', 'notes'],
    rows.map((r) => [
      r.corpus,
      r.path,
      r.docs.toLocaleString('en'),
      r.chunks.toLocaleString('en'),
      round(r.seconds, 1),
      round(r.chunks / r.seconds, 1),
      round(r.docs / r.seconds, 2),
      Math.round(r.peakRssMiB),
      r.note,
    ]),
  );
}

async function main(): Promise<void> {
  const phaseArg = process.argv.find((a) => a.startsWith('--phase='));
  if (phaseArg) {
    const phase = phaseArg.slice('--phase='.length);
    const rows = phase === 'squad' ? await squadPhase() : phase === 'public' ? await publicPathPhase() : await syntheticPhase();
    console.log(RESULT_PREFIX + JSON.stringify(rows));
    return;
  }
  console.log(`Database: ${databaseMode()}`);
  const started = Date.now();
  // BENCH_ONLY=public: the public-path rows alone, on the saved corpus (BENCH_SEED_DIR or bench:ingest's snapshot)
  const only = process.env.BENCH_ONLY;
  const rows = only ? await runChild(only) : [...(await runChild('squad')), ...(await runChild('synthetic')), ...(await runChild('public'))];
  const md = table(rows);
  console.log(`\n${md}\n\nTotal wall time ${round((Date.now() - started) / 1000, 1)} s`);
  if (shouldWriteDocs()) {
    writeSection(
      'ingest',
      `## Ingestion (\`npm run bench:ingest\`)

${runHeader('npm run bench:ingest')}
- Embedder: hashing (384 dimensions, the offline default); chunker: 256 tokens, 32 overlap (defaults)
- Embedded database shared_buffers: the configured default for SQuAD-pt, ${SYNTHETIC_SHARED_BUFFERS} for the synthetic corpus (\`BENCH_SHARED_BUFFERS\`; ignored in server mode)
- Synthetic corpus: seeded generator (\`src/bench/synthetic.ts\`), ${SYNTHETIC_DOCS.toLocaleString('en')} documents x ${CHUNKS_PER_DOC} paragraphs of 150-230 cl100k tokens, each paragraph exactly one chunk
- "full" = \`IngestTextHandler.execute\` per document (normalize, dedup lookup, chunk, embed, one transaction writing document + chunks + BM25 stats triggers + indexes). "bulk" = \`src/bench/bulk-load.ts\`: \`ChunkIndexer.embed\` + \`ChunkIndexer.write\` (the adapter's own INSERT), 250 documents per transaction, document rows by one multi-row INSERT, no chunker (the paragraphs are the chunks), HNSW index dropped before and rebuilt after the load${'\n'}- peak RSS is the whole process (application + in-process PGlite) during that row's step; each corpus runs in a fresh child process
- Total wall time of this run: ${round((Date.now() - started) / 1000, 1)} s (plus \`nest build\`)

${md}`,
    );
    console.log('docs/BENCHMARKS.md updated (ingest section)');
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message).slice(0, 4000) : e);
  process.exit(1);
});
