/*
 * Where the text branch and hybrid search spend their time at 100k chunks (issue 13).
 *
 *   npm run bench:text-profile -- <saved 100k data directory>
 *     (nest build && node --expose-gc dist/bench/text-profile.js; or PROFILE_SNAPSHOT=<dir>)
 *
 * Opens a copy of a saved synthetic-corpus database (a snapshot left by bench:search or bench:ingest under
 * $TMPDIR/acervo-bench-cache/synthetic-10000-*), 512MB shared_buffers as bench:search, the app's vacuum timer off.
 * Then, over PROFILE_QUERIES (150) of bench:search's keyword queries, sequentially, after 20 warm-up queries:
 *   1. SearchHandler text / hybrid / vector p50 as the snapshot was saved (postings never vacuumed);
 *   2. the app's own vacuum pass (EmbeddedVacuum.run), then the same three modes again;
 *   3. hybrid's parts, each timed alone and interleaved per query: the text branch at 60 candidates (what hybrid
 *      asks for) and at 5 (text mode), the vector branch at 60, the query embedding, fusion with reranking;
 *   4. EXPLAIN (ANALYZE, BUFFERS) of the text SQL at limits 5 and 60 for one query (PROFILE_EXPLAIN=0: none).
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import type { VectorStore } from '../modules/retrieval/application/ports/vector-store.port';
import { VECTOR_STORE } from '../modules/retrieval/application/ports/retrieval.tokens';
import { rerank } from '../modules/retrieval/domain/rerank';
import { reciprocalRankFusion } from '../modules/retrieval/domain/rrf';
import { DATABASE_STATE, type DatabaseState } from '../shared/database';
import { benchApp } from './bench-app';
import { syntheticOverrides } from './corpora';
import { round, summarize } from './stats';
import { SyntheticCorpus } from './synthetic';

const COLLECTION = 'bench-synthetic';

async function main(): Promise<void> {
  const snap = process.argv[2] ?? process.env.PROFILE_SNAPSHOT;
  if (!snap) throw new Error('usage: npm run bench:text-profile -- <saved 100k data directory>');
  const n = Number(process.env.PROFILE_QUERIES ?? 150);
  process.env.EMBEDDED_PG_VACUUM_INTERVAL_MS = '0'; // the passes below are explicit
  const ctx = await benchApp(syntheticOverrides(), { seedDataDir: snap });
  const load = () => loadavg()[0].toFixed(2);
  try {
    const queries = new SyntheticCorpus().queries(n, 10_000).map((q) => q.query);
    const store = ctx.app.get<VectorStore>(VECTOR_STORE);
    const info = (await store.getCollection(COLLECTION))!;
    const visibility = async () =>
      (await ctx.dataSource.query(
        `SELECT relname, (pg_relation_size(oid) / 8192)::int AS pages, relallvisible AS visible FROM pg_class WHERE relname IN ('postings', 'lexeme_stats') ORDER BY 1`,
      )) as Array<{ relname: string; pages: number; visible: number }>;
    const modes = async (label: string) => {
      for (const mode of ['text', 'hybrid', 'vector'] as const) {
        for (let i = 0; i < 20; i++) await ctx.search.execute({ query: queries[i], collection: COLLECTION, mode, topK: 5 });
        const t: number[] = [];
        for (const query of queries) {
          const t0 = performance.now();
          await ctx.search.execute({ query, collection: COLLECTION, mode, topK: 5 });
          t.push(performance.now() - t0);
        }
        const s = summarize(t, 1);
        console.log(`${label} ${mode}: p50 ${round(s.p50, 2)} ms, p95 ${round(s.p95, 2)} ms (load ${load()})`);
      }
    };
    console.log('visibility before:', await visibility());
    await modes('not vacuumed');
    const t0 = performance.now();
    const runs = await ctx.app.get<DatabaseState>(DATABASE_STATE).vacuum!.run();
    console.log(`vacuum pass ${round(performance.now() - t0, 0)} ms:`, runs, 'visibility after:', await visibility());
    await modes('vacuumed');

    const parts: Record<string, number[]> = { hybrid: [], text60: [], text5: [], vector60: [], embed: [], fuseRerank: [] };
    const clock = async <T>(k: string, f: () => Promise<T> | T): Promise<T> => {
      const s = performance.now();
      const r = await f();
      parts[k].push(performance.now() - s);
      return r;
    };
    const { rrf } = ctx.config.retrieval.search;
    for (const [i, text] of queries.entries()) {
      await clock('hybrid', () => ctx.search.execute({ query: text, collection: COLLECTION, mode: 'hybrid', topK: 5 }));
      const t60 = await clock('text60', () => store.textSearch({ collection: COLLECTION, limit: 60, text, textSearchConfig: info.textSearchConfig }));
      await clock('text5', () => store.textSearch({ collection: COLLECTION, limit: 5, text, textSearchConfig: info.textSearchConfig }));
      // (a fresh text each time: the query embedding cache would answer the same one)
      const emb = (await clock('embed', () => ctx.search.embedQuery(COLLECTION, `${text} ${i}`)))!;
      const v60 = await clock('vector60', () => store.vectorSearch({ collection: COLLECTION, limit: 60, embedding: emb, dimension: info.dimension, embedderId: info.embedderId }));
      await clock('fuseRerank', () => rerank(text, reciprocalRankFusion(v60, t60, { k: rrf.k, textWeight: rrf.textWeight, vectorWeight: rrf.lexicalVectorWeight }), ctx.config.retrieval.search.rerank));
    }
    for (const [k, v] of Object.entries(parts)) console.log(`part ${k}: p50 ${round(summarize(v, 1).p50, 2)} ms, p95 ${round(summarize(v, 1).p95, 2)} ms`);

    if (process.env.PROFILE_EXPLAIN !== '0') {
      const em = ctx.dataSource.manager;
      const query = em.query;
      for (const limit of [5, 60]) {
        let sent: { sql: string; params: unknown[] } | undefined;
        em.query = ((sql: string, params?: unknown[]) => {
          if (/postings/.test(sql)) sent = { sql, params: params ?? [] };
          return query.call(em, sql, params);
        }) as typeof em.query;
        await store.textSearch({ collection: COLLECTION, limit, text: queries[3], textSearchConfig: info.textSearchConfig }).finally(() => (em.query = query));
        const plan = (await ctx.dataSource.query(`EXPLAIN (ANALYZE, BUFFERS) ${sent!.sql}`, sent!.params)) as Array<{ 'QUERY PLAN': string }>;
        console.log(`\nEXPLAIN text SQL, limit ${limit}, "${queries[3]}":\n${plan.map((r) => r['QUERY PLAN']).join('\n')}`);
      }
    }
  } finally {
    await ctx.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message).slice(0, 4000) : e);
  process.exit(1);
});
