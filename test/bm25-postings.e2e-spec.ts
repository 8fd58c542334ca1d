/**
 * BM25 on postings (issue 13): the text branch scores from the postings table the chunk triggers maintain, and
 * gives the scores the former scorer computed from the candidates' tsvectors. That scorer's SQL is kept here,
 * verbatim, as the reference: on SQuAD-pt dev, for 300 questions, both return the same chunks in the same order
 * with scores equal to 1e-6 (relative), with a small and a large limit (the common-lexeme pruning bound differs)
 * and under a metadata filter. The postings stay what a rebuild from the tsvectors gives after deletes and
 * replacements.
 */
import { loadSquad } from '../src/bench/squad';
import { metadataFilterSql } from '../src/modules/retrieval';
import type { MetadataFilter } from '../src/modules/retrieval';
import { VECTOR_STORE } from '../src/modules/retrieval/application/ports/retrieval.tokens';
import { PgVectorStore } from '../src/modules/retrieval/infrastructure/vector-stores/pgvector.vector-store';
import { PostingsMemoryCache } from '../src/modules/retrieval/infrastructure/vector-stores/postings-memory.cache';
import { SearchHandler } from '../src/modules/retrieval/application/search/search.handler';
import { EmbedderRegistry } from '../src/modules/retrieval/application/embedders/embedder-registry.service';
import type { RankedChunk } from '../src/modules/retrieval/domain/chunk';
import { DATABASE_STATE, type DatabaseState } from '../src/shared/database';
import { SERVER_MODE, startTestApp, TestApp } from './support/app';

const QUESTIONS = 300;

/** The tsvector scorer as it was before the postings (pgvector.vector-store.ts, textSearch), returning ids and scores. */
function tsvectorScorerSql(filter: string): string {
  return `WITH st AS (
         SELECT greatest(chunk_count, 1)::float8 AS n, greatest(token_count::float8 / nullif(chunk_count, 0), 1) AS avgdl
         FROM collection_stats WHERE collection = $3
       ), qa AS (
         SELECT ql.lexeme, coalesce(s.df, 0) AS df, ln(1 + (st.n - coalesce(s.df, 0) + 0.5) / (coalesce(s.df, 0) + 0.5)) AS idf
         FROM (SELECT DISTINCT u.lexeme FROM unnest(to_tsvector($1::regconfig, $2)) u) ql
         CROSS JOIN st
         LEFT JOIN lexeme_stats s ON s.collection = $3 AND s.lexeme = ql.lexeme
       ), qs AS (
         SELECT * FROM qa WHERE df > 0
       ), tot AS (
         SELECT sum(idf) AS idf FROM qa
       ), tq AS (
         SELECT string_agg(quote_literal(lexeme), ' | ')::tsquery AS query
         FROM qs, st
         WHERE qs.df <= greatest(st.n * 0.05, 50) OR (NOT EXISTS (SELECT 1 FROM qs q2, st s2 WHERE q2.df <= greatest(s2.n * 0.05, 50))
                                                      AND qs.df = (SELECT min(df) FROM qs))
       ), scored AS (
         SELECT c.id,
                sum(qs.idf * (t.tf * ($5::float8 + 1)) / (t.tf + $5::float8 * (1 - $6::float8 + $6::float8 * c.token_count / st.avgdl))) AS score,
                sum(qs.idf) AS matched_idf
         FROM tq, st, chunks c
         CROSS JOIN LATERAL (SELECT u.lexeme, coalesce(array_length(u.positions, 1), 1) AS tf FROM unnest(c.tsv) u) t
         JOIN qs ON qs.lexeme = t.lexeme
         WHERE tq.query IS NOT NULL AND c.collection = $3 AND c.tsv @@ tq.query${filter}
         GROUP BY c.id
         ORDER BY score DESC, c.id
         LIMIT $4
       )
       SELECT scored.id, scored.score, scored.matched_idf / nullif(tot.idf, 0) AS coverage
       FROM scored CROSS JOIN tot
       ORDER BY scored.score DESC, scored.id`;
}

interface Scored {
  id: string;
  score: number;
  coverage: number;
}

/**
 * Same hits in the same order, scores to 1e-6 (relative). Chunks whose scores tie (to 9 digits) are compared as a
 * set: the two scorers add a chunk's terms in different orders, so a tie may break either way in the last bit; at
 * the cut, a tie may also keep a different member of the group.
 */
function expectSameRanking(got: Scored[], want: Scored[], label: string): void {
  expect({ label, n: got.length }).toEqual({ label, n: want.length });
  const groups = (xs: Scored[]) => {
    const out: Array<{ score: string; ids: string[] }> = [];
    for (const x of xs) {
      const score = x.score.toPrecision(9);
      if (out.at(-1)?.score === score) out.at(-1)!.ids.push(x.id);
      else out.push({ score, ids: [x.id] });
    }
    return out.map((g, i) => ({ score: g.score, ids: i === out.length - 1 ? [`${g.ids.length} at the cut`] : g.ids.sort() }));
  };
  expect({ label, groups: groups(got) }).toEqual({ label, groups: groups(want) });
  got.forEach((g, i) => {
    const w = want[i];
    if (Math.abs(g.score - w.score) > 1e-6 * Math.abs(w.score)) throw new Error(`${label}: rank ${i + 1} scores ${g.score} vs ${w.score}`);
    if (Math.abs(g.coverage - w.coverage) > 0.0005 + 1e-9) throw new Error(`${label}: rank ${i + 1} coverage ${g.coverage} vs ${w.coverage}`);
  });
}

/**
 * The same chunks in the same order with the same coverage, scores equal to 1e-9 (relative). Only chunks whose scores
 * agree to 1e-9 may come in another order (the SQL scorer itself adds the terms of two chunks in different orders, so
 * two equal scores differ in their last bit there: 6.8161142131593113 and ...104), and at the cut another chunk of
 * such a group may be kept.
 */
function expectSameHits(got: RankedChunk[], want: RankedChunk[], label: string): void {
  expect({ label, n: got.length }).toEqual({ label, n: want.length });
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.abs(y);
  got.forEach((h, i) => {
    if (!close(h.score, want[i].score)) throw new Error(`${label}: rank ${i + 1} scores ${h.score} vs ${want[i].score}`);
  });
  for (let i = 0; i < want.length; ) {
    let j = i + 1;
    while (j < want.length && close(want[j].score, want[i].score)) j++;
    const ids = (xs: RankedChunk[]) => xs.slice(i, j).map((h) => `${h.chunkId} ${h.coverage}`).sort();
    if (j < want.length || j - i === 1) expect({ label, rank: i + 1, hits: ids(got) }).toEqual({ label, rank: i + 1, hits: ids(want) });
    i = j;
  }
}

describe('BM25 on postings', () => {
  let t: TestApp;
  let store: PgVectorStore;
  const { paragraphs, questions } = loadSquad();
  // every fifth question, so the sample spreads over the articles
  const sample = questions.filter((_, i) => i % Math.floor(questions.length / QUESTIONS) === 0).slice(0, QUESTIONS);

  beforeAll(async () => {
    t = await startTestApp();
    store = t.app.get<PgVectorStore>(VECTOR_STORE);
    const docs = paragraphs.map((p) => ({ title: p.article.replace(/_/g, ' '), text: p.context, metadata: { paragraph: p.id, article: p.article } }));
    const up = await t.http.post('/v1/documents').field('collection', 'squad').attach('files', Buffer.from(JSON.stringify(docs)), 'squad.json');
    expect(up.status).toBe(201);
  }, 120_000);
  afterAll(async () => t?.close());

  const reference = async (text: string, limit: number, filters?: MetadataFilter): Promise<Scored[]> => {
    const { k1, b } = t.config.retrieval.search.bm25;
    const params: unknown[] = [t.config.retrieval.textSearchConfig, text, 'squad', limit, k1, b];
    const filter = metadataFilterSql(filters, params);
    const rows: Array<{ id: string; score: number; coverage: number | null }> = await t.dataSource.query(tsvectorScorerSql(filter), params);
    return rows.map((r) => ({ id: r.id, score: Number(r.score), coverage: Math.round(Number(r.coverage ?? 0) * 1000) / 1000 }));
  };
  const postings = async (text: string, limit: number, filters?: MetadataFilter): Promise<Scored[]> =>
    (await store.textSearch({ text, textSearchConfig: t.config.retrieval.textSearchConfig, collection: 'squad', limit, filters })).map((h) => ({
      id: h.chunkId,
      score: h.score,
      coverage: h.coverage ?? 0,
    }));

  it('ranks and scores 300 SQuAD-pt questions as the tsvector scorer did (limits 5 and 60)', async () => {
    let hits = 0;
    for (const q of sample) {
      for (const limit of [5, 60]) {
        const want = await reference(q.question, limit);
        expectSameRanking(await postings(q.question, limit), want, `${q.question} (limit ${limit})`);
        hits += want.length;
      }
    }
    expect(sample).toHaveLength(QUESTIONS);
    expect(hits).toBeGreaterThan(QUESTIONS * 40);
  }, 180_000);

  it('scores every question from the in-memory postings as the SQL scorer does: same chunks, order, scores (1e-9) and coverage', async () => {
    const cache = t.app.get(PostingsMemoryCache);
    const sql = (text: string, limit: number): Promise<RankedChunk[]> =>
      (store as unknown as { sqlTextSearch(q: unknown): Promise<RankedChunk[]> }).sqlTextSearch({ text, textSearchConfig: t.config.retrieval.textSearchConfig, collection: 'squad', limit });
    // warm the cache with every question's lexemes: one query of all of them (the SQL scorer answers it)
    await postings(questions.map((q) => q.question).join(' '), 5);
    await Promise.allSettled([...(store as unknown as { warms: Set<Promise<void>> }).warms]);
    const hitsBefore = cache.stats().hits;
    let compared = 0;
    const runs = [...questions.map((q) => ({ q, limit: 60 })), ...sample.slice(0, 100).map((q) => ({ q, limit: 5 }))];
    for (const { q, limit } of runs) {
      const want = await sql(q.question, limit);
      const got = await store.textSearch({ text: q.question, textSearchConfig: t.config.retrieval.textSearchConfig, collection: 'squad', limit });
      expectSameHits(got, want, `${q.question} (limit ${limit})`);
      compared += got.length;
    }
    // every one of them scored in memory
    expect(cache.stats().hits - hitsBefore).toBe(runs.length);
    expect(compared).toBeGreaterThan(questions.length * 40);
  }, 180_000);

  it('hybrid ranks the vector branch and reads the text query in one statement, then reads the rows of the fused head: the same hits as the branches apart', async () => {
    const handler = t.app.get(SearchHandler);
    // the same handler on the same store without hybridSearch: the two branches searched apart
    const apartStore = new Proxy(store, { get: (target, key) => (key === 'hybridSearch' ? undefined : (Reflect.get(target, key) as unknown)) });
    const apart = new SearchHandler(t.app.get(EmbedderRegistry), apartStore, t.config);
    const em = t.dataSource.manager;
    const query = em.query;
    let statements = 0;
    em.query = ((sql: string, params?: unknown[]) => {
      if (/\bchunks\b|collection_stats/.test(sql)) statements++; // the search's (not e.g. a usage record's, flushed meanwhile)
      return query.call(em, sql, params);
    }) as typeof em.query;
    const counted = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
      const before = statements;
      const r = await f();
      return [r, statements - before];
    };
    try {
      await postings(sample.map((q) => q.question).join(' '), 5); // warm the cache with the sample's lexemes
      await Promise.allSettled([...(store as unknown as { warms: Set<Promise<void>> }).warms]);
      const total = { together: 0, apart: 0 };
      for (const q of sample) {
        for (const topK of [5, 50]) {
          const search = { query: q.question, collection: 'squad', mode: 'hybrid' as const, topK };
          const [got, n] = await counted(() => handler.execute(search));
          const [want, m] = await counted(() => apart.execute(search));
          expect({ q: q.question, topK, hits: got.hits }).toEqual({ q: q.question, topK, hits: want.hits });
          expect(got.hits.every((h) => h.text.length > 0 && h.title.length > 0 && h.documentId.length > 0)).toBe(true);
          // apart: the query's lexemes, the vector branch, the rows of the text branch's hits (none when it has none);
          // together (embedded mode): the first two in one statement (the vector branch's ids only), then the rows of
          // the fused head
          if (SERVER_MODE) expect(n).toBe(m); // a server's pool runs the branches side by side: apart
          else expect({ q: q.question, topK, n }).toEqual({ q: q.question, topK, n: Math.min(n, 2, m) });
          total.together += n;
          total.apart += m;
        }
      }
      if (!SERVER_MODE) expect(total.together).toBeLessThan(total.apart - sample.length);
      console.log(`hybrid on ${sample.length * 2} searches: ${total.apart} statements apart, ${total.together} together`);
    } finally {
      em.query = query;
    }
  }, 180_000);

  it('agrees under a metadata filter, and for queries of common words only or unknown words', async () => {
    const article = paragraphs[0].article;
    for (const q of sample.slice(0, 40)) expectSameRanking(await postings(q.question, 10, { article }), await reference(q.question, 10, { article }), `${q.question} [${article}]`);
    // a question of words in most paragraphs (no informative lexeme: candidates from the rarest), and one of unknown words
    const common = 'de que em para com uma os no se na por mais as dos como mas ao ele das tem seu sua ou ser quando muito nos já';
    expectSameRanking(await postings(`${article} ${common}`, 20), await reference(`${article} ${common}`, 20), 'common words');
    expect(await postings('xyzzy plugh', 10)).toEqual([]);
  }, 60_000);

  it('keeps the postings what the tsvectors say through deletes and replacements', async () => {
    const rebuilt = `SELECT s.id AS lexeme_id, c.id AS chunk_id, coalesce(array_length(u.positions, 1), 1) AS tf, c.token_count AS dl
                       FROM chunks c CROSS JOIN LATERAL unnest(c.tsv) u JOIN lexeme_stats s ON s.collection = c.collection AND s.lexeme = u.lexeme`;
    const diff = async () =>
      (
        await t.dataSource.query(
          `SELECT count(*)::int AS n FROM ((${rebuilt} EXCEPT SELECT lexeme_id, chunk_id, tf, dl FROM postings)
                                        UNION ALL (SELECT lexeme_id, chunk_id, tf, dl FROM postings EXCEPT ${rebuilt})) x`,
        )
      )[0].n;
    const docs: Array<{ id: string; title: string }> = (await t.http.get('/v1/documents').query({ collection: 'squad', limit: 10 }).expect(200)).body.items;
    for (const d of docs.slice(0, 3)) await t.http.delete(`/v1/documents/${d.id}`).expect(204);
    // a new version of one document replaces its chunks; another collection shares lexemes with this one
    await t.http.post('/v1/documents').send({ collection: 'squad', title: docs[3].title, source_id: 'replaced', text: 'Primeira versão do texto sobre o Super Bowl.' }).expect(201);
    await t.http.post('/v1/documents').send({ collection: 'squad', title: docs[3].title, source_id: 'replaced', text: 'Segunda versão, agora sobre o estádio e os ingressos.' }).expect(201);
    await t.http.post('/v1/documents').send({ collection: 'outra', title: 'Outra', text: 'O Super Bowl noutra coleção.' }).expect(201);
    expect(await diff()).toBe(0);
    // one statement deleting the chunks of several documents that share lexemes (a batched replacement does this)
    const many = (await t.dataSource.query(`SELECT id FROM documents WHERE collection = 'squad' ORDER BY id LIMIT 8 OFFSET 5`)) as Array<{ id: string }>;
    await t.dataSource.query(`DELETE FROM chunks WHERE document_id = ANY($1::uuid[])`, [many.map((d) => d.id)]);
    expect(await diff()).toBe(0);
    const [{ wrong }] = await t.dataSource.query(
      `SELECT count(*)::int AS wrong FROM lexeme_stats s LEFT JOIN (SELECT lexeme_id, count(*)::int AS n FROM postings GROUP BY 1) p ON p.lexeme_id = s.id
        WHERE s.df <> coalesce(p.n, 0)`,
    );
    expect(wrong).toBe(0);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM postings`);
    expect(n).toBeGreaterThan(10_000);
    for (const q of sample.slice(0, 20)) expectSameRanking(await postings(q.question, 10), await reference(q.question, 10), q.question);
  }, 60_000);

  // (server mode: the server's autovacuum does this)
  (SERVER_MODE ? it.skip : it)('vacuums the postings in embedded mode (no autovacuum there): all-visible pages, same scores', async () => {
    const vacuum = t.app.get<DatabaseState>(DATABASE_STATE).vacuum!;
    const visibility = async () =>
      (await t.dataSource.query(
        `SELECT relname, (pg_relation_size(oid) / current_setting('block_size')::int)::int AS pages, relallvisible AS visible
           FROM pg_class WHERE relname IN ('postings', 'lexeme_stats') ORDER BY relname`,
      )) as Array<{ relname: string; pages: number; visible: number }>;
    expect((await visibility()).find((r) => r.relname === 'postings')!.visible).toBeLessThan(10); // written by triggers, never vacuumed
    const before: Scored[][] = [];
    for (const q of sample.slice(0, 30)) before.push(await postings(q.question, 60));
    const runs = await vacuum.run(1);
    expect(runs.map((r) => r.table)).toEqual(expect.arrayContaining(['postings', 'lexeme_stats']));
    for (const r of await visibility()) expect({ table: r.relname, notVisible: r.pages - r.visible }).toEqual({ table: r.relname, notVisible: 0 });
    // nothing written since: nothing to do; and the ranking and scores are those of before (the fresh statistics
    // may change the plan, and with it the order a chunk's terms are added in: the last bit of a score)
    expect(await vacuum.run(1)).toEqual([]);
    for (const [i, q] of sample.slice(0, 30).entries()) expectSameRanking(await postings(q.question, 60), before[i], q.question);
    const [{ timeout }] = await t.dataSource.query(`SELECT current_setting('statement_timeout') AS timeout`);
    expect(timeout).not.toBe('0'); // the session got its timeout back
  }, 60_000);

  it('shows the embedded buffer cache in the readiness details', async () => {
    const db = (await t.http.get('/health/ready').expect(200)).body.info.database;
    if (SERVER_MODE) expect(db.shared_buffers).toBeUndefined();
    else expect(db).toMatchObject({ shared_buffers: t.config.database.embedded.sharedBuffers, shared_buffers_source: 'configured', data_mb_at_boot: expect.any(Number) });
  });
});
