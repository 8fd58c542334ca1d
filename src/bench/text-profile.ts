/*
 * Where the text branch and hybrid search spend their time at 100k chunks (issue 13).
 *
 *   npm run bench:text-profile -- <saved 100k data directory>
 *     (nest build && node --expose-gc dist/bench/text-profile.js; or PROFILE_SNAPSHOT=<dir>)
 *
 * Opens a copy of a saved synthetic-corpus database (a snapshot left by bench:search or bench:ingest under
 * $TMPDIR/acervo-bench-cache/synthetic-10000-*), 512MB shared_buffers as bench:search, the app's vacuum timer off.
 * Then, over PROFILE_QUERIES (150) of bench:search's keyword queries, sequentially, after 20 warm-up queries:
 *   1. SearchHandler text / hybrid / vector and the raw pgvector SQL (bench:search's anchor), interleaved per query,
 *      p50 as the snapshot was saved (postings never vacuumed; on a DATABASE_URL server no vacuum pass); beside them,
 *      hybrid with its branches searched apart (the same handler on the store without hybridSearch: hybrid before
 *      session 13), and whether its top 5 differs from hybrid's;
 *   2. the app's own vacuum pass (EmbeddedVacuum.run), then the same three modes again;
 *   3. hybrid's parts, each timed alone and interleaved per query: the text branch at 60 candidates (what hybrid
 *      asks for) and at 5 (text mode), the vector branch at 60, the query embedding, fusion with reranking;
 *   4. EXPLAIN (ANALYZE, BUFFERS) of the text SQL at limits 5 and 60 for one query (PROFILE_EXPLAIN=0: none).
 * The in-memory postings cache (retrieval.textCache, session 12) starts empty: pass 1 is cold (each query's lexemes
 * are read from the database once, in the background, while the SQL scorer answers), the vacuumed pass is warm (the
 * same queries: every one scored in memory), then the same pass with the cache off (maxPostings 0: the SQL scorer),
 * each with the cache's figures and the process RSS. PROFILE_FILL=1 at the end reads every lexeme of the collection
 * into the cache and reports its size and the RSS.
 */
import { performance } from 'node:perf_hooks';
import pgvector from 'pgvector';
import { loadavg } from 'node:os';
import type { VectorStore } from '../modules/retrieval/application/ports/vector-store.port';
import { VECTOR_STORE } from '../modules/retrieval/application/ports/retrieval.tokens';
import type { SearchResult } from '../modules/retrieval/application/search/search.query';
import { SearchHandler } from '../modules/retrieval/application/search/search.handler';
import { EmbedderRegistry } from '../modules/retrieval/application/embedders/embedder-registry.service';
import { rerank } from '../modules/retrieval/domain/rerank';
import { reciprocalRankFusion } from '../modules/retrieval/domain/rrf';
import { DATABASE_STATE, type DatabaseState } from '../shared/database';
import { benchApp } from './bench-app';
import { syntheticOverrides } from './corpora';
import { PostingsMemoryCache } from '../modules/retrieval/infrastructure/vector-stores/postings-memory.cache';
import { round, summarize } from './stats';
import { SyntheticCorpus } from './synthetic';

const COLLECTION = 'bench-synthetic';

async function main(): Promise<void> {
  const snap = process.argv[2] ?? process.env.PROFILE_SNAPSHOT;
  if (!snap) throw new Error('usage: npm run bench:text-profile -- <saved 100k data directory>');
  const n = Number(process.env.PROFILE_QUERIES ?? 150);
  process.env.EMBEDDED_PG_VACUUM_INTERVAL_MS = '0'; // the passes below are explicit
  const ctx = await benchApp(syntheticOverrides(), { seedDataDir: snap });
  const pool1 = ctx.config.database.url && ctx.config.database.poolSize > 1 ? await benchApp({ ...syntheticOverrides(), database: { poolSize: 1 } }) : undefined;
  const load = () => loadavg()[0].toFixed(2);
  try {
    const queries = new SyntheticCorpus().queries(n, 10_000).map((q) => q.query);
    const store = ctx.app.get<VectorStore>(VECTOR_STORE);
    // the store without hybridSearch: the handler searches the two branches apart, as before session 13
    const storeApart = new Proxy(store, {
      get: (target, key) => (key === 'hybridSearch' ? undefined : (Reflect.get(target, key) as unknown)),
    });
    const apart = new SearchHandler(ctx.app.get(EmbedderRegistry), storeApart, ctx.config);
    // the same handler with the hashing embedder's vector pool as wide as the text branch's (before session 18)
    const search = ctx.config.retrieval.search;
    const widePool = new SearchHandler(ctx.app.get(EmbedderRegistry), store, {
      ...ctx.config,
      retrieval: { ...ctx.config.retrieval, search: { ...search, lexicalVectorCandidates: search.candidates } },
    });
    const info = (await store.getCollection(COLLECTION))!;
    const visibility = async () =>
      (await ctx.dataSource.query(
        `SELECT relname, (pg_relation_size(oid) / 8192)::int AS pages, relallvisible AS visible FROM pg_class WHERE relname IN ('postings', 'lexeme_stats') ORDER BY 1`,
      )) as Array<{ relname: string; pages: number; visible: number }>;
    // The raw pgvector SQL of bench:search (bare LIMIT 5, same query vector): the anchor the vector figures compare to.
    const dim = Math.trunc(info.dimension);
    const rawSql =
      `SELECT c.id, c.document_id, c.text, c.metadata, c.start_offset, c.end_offset, c.embedding::vector(${dim}) <=> $1::vector(${dim}) AS distance ` +
      `FROM chunks c WHERE c.dimension = ${dim} AND c.collection = $2 ORDER BY c.embedding::vector(${dim}) <=> $1::vector(${dim}) LIMIT 5`;
    const vectors = new Map<string, string>();
    for (const q of queries) vectors.set(q, pgvector.toSql(Array.from((await ctx.search.embedQuery(COLLECTION, q))!)));
    // The three modes and the raw SQL interleaved per query (the order rotates), so load drift spreads over all four.
    const modes = async (label: string) => {
      const runs: Array<[string, (q: string) => Promise<unknown>]> = [
        ...(['text', 'hybrid', 'vector'] as const).map((mode): [string, (q: string) => Promise<unknown>] => [
          mode,
          (query) => ctx.search.execute({ query, collection: COLLECTION, mode, topK: 5 }),
        ]),
        ['raw pgvector SQL', (query) => ctx.dataSource.query(rawSql, [vectors.get(query), COLLECTION])],
        // the same handler on the same store, its two branches searched apart (no hybridSearch): hybrid before session 13
        ['hybrid, branches apart', (query) => apart.execute({ query, collection: COLLECTION, mode: 'hybrid', topK: 5 })],
        [`hybrid, vector pool ${search.candidates}`, (query) => widePool.execute({ query, collection: COLLECTION, mode: 'hybrid', topK: 5 })],
        // on a server with a pool of several connections, hybrid's branches run side by side: the same app on one connection beside it
        ...(pool1 ? [['hybrid, pool 1', (query: string) => pool1.search.execute({ query, collection: COLLECTION, mode: 'hybrid', topK: 5 })] as [string, (q: string) => Promise<unknown>]] : []),
      ];
      for (let i = 0; i < 20; i++) for (const [, run] of runs) await run(queries[i]);
      const t = new Map<string, number[]>(runs.map(([k]) => [k, []]));
      const top = new Map<string, string[]>(runs.filter(([k]) => k.startsWith('hybrid')).map(([k]) => [k, []]));
      const l0 = load();
      for (const [i, query] of queries.entries()) {
        for (let j = 0; j < runs.length; j++) {
          const [k, run] = runs[(i + j) % runs.length];
          const t0 = performance.now();
          const r = await run(query);
          t.get(k)!.push(performance.now() - t0);
          if (k.startsWith('hybrid')) top.get(k)!.push(JSON.stringify((r as SearchResult).hits.map((h) => [h.chunkId, h.score])));
        }
      }
      for (const [k, v] of t) {
        const s = summarize(v, 1);
        console.log(`${label} ${k}: p50 ${round(s.p50, 2)} ms, p95 ${round(s.p95, 2)} ms (load ${l0} -> ${load()})`);
      }
      const cache = ctx.app.get(PostingsMemoryCache).stats();
      const mb = (x: number) => `${Math.round(x / 2 ** 20)}MB`;
      console.log(
        `${label} text cache: ${cache.postings} postings, ${cache.lexemes} lexemes, ~${mb(cache.approx_bytes)}, hits ${cache.hits}, misses ${cache.misses}; ` +
          `rss ${mb(process.memoryUsage().rss)}, peak rss ${mb(process.resourceUsage().maxRSS * 1024)}`,
      );
      const [[, a], ...others] = [...top];
      for (const [k, b] of others) console.log(`${label}: hybrid top 5 (ids and scores) differs from "${k}" on ${a.filter((x, i) => x !== b[i]).length} of ${a.length} queries`);
    };
    console.log('visibility before:', await visibility());
    await modes('not vacuumed');
    const t0 = performance.now();
    const runs = await ctx.app.get<DatabaseState>(DATABASE_STATE).vacuum?.run();
    console.log(`vacuum pass ${round(performance.now() - t0, 0)} ms:`, runs, 'visibility after:', await visibility());
    await modes('vacuumed (text cache warm)');
    const limits = ctx.config.retrieval.textCache;
    const maxPostings = limits.maxPostings;
    limits.maxPostings = 0;
    await modes('vacuumed, text cache off');
    limits.maxPostings = maxPostings;
    await modes('vacuumed, text cache on again (cold)');

    const parts: Record<string, number[]> = { hybrid: [], text60: [], text5: [], vector60: [], vectorPool: [], embed: [], fuseRerank: [] };
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
      await clock('vector60', () => store.vectorSearch({ collection: COLLECTION, limit: 60, embedding: emb, dimension: info.dimension, slot: info.slot, embedderId: info.embedderId }));
      // the hashing embedder's pool in hybrid (retrieval.search.lexicalVectorCandidates)
      const pool = search.lexicalVectorCandidates;
      const vPool = await clock('vectorPool', () => store.vectorSearch({ collection: COLLECTION, limit: pool, embedding: emb, dimension: info.dimension, slot: info.slot, embedderId: info.embedderId }));
      await clock('fuseRerank', () => rerank(text, reciprocalRankFusion(vPool, t60, { k: rrf.k, textWeight: rrf.textWeight, vectorWeight: rrf.lexicalVectorWeight }), ctx.config.retrieval.search.rerank));
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
    if (process.env.PROFILE_FILL === '1') {
      // every lexeme of the collection into the cache (the warm-up a query does, for all of them), 2,000 at a time
      const ids = ((await ctx.dataSource.query(`SELECT id::text AS id FROM lexeme_stats WHERE collection = $1`, [COLLECTION])) as Array<{ id: string }>).map((r) => r.id);
      const warmer = store as unknown as { warm(q: unknown): void; warms: Set<Promise<void>> };
      const [{ version }] = await ctx.dataSource.query(`SELECT version::text || ':' || xmin::text AS version FROM collection_stats WHERE collection = $1`, [COLLECTION]);
      const t1 = performance.now();
      for (let i = 0; i < ids.length; i += 2000) {
        warmer.warm({ collection: COLLECTION, version, lexemes: ids.slice(i, i + 2000).map((lexemeId) => ({ lexemeId, df: 1, idf: 0 })) });
        await Promise.allSettled([...warmer.warms]);
      }
      const cache = ctx.app.get(PostingsMemoryCache).stats();
      const mb = (x: number) => `${Math.round(x / 2 ** 20)}MB`;
      console.log(
        `filled in ${round(performance.now() - t1, 0)} ms: ${cache.postings} postings of ${ids.length} lexemes, ${cache.chunks} chunks, ~${mb(cache.approx_bytes)}; ` +
          `rss ${mb(process.memoryUsage().rss)}, heap used ${mb(process.memoryUsage().heapUsed)}, peak rss ${mb(process.resourceUsage().maxRSS * 1024)}`,
      );
    }
  } finally {
    await pool1?.close();
    await ctx.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message).slice(0, 4000) : e);
  process.exit(1);
});
