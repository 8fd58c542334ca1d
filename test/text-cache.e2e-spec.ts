/**
 * The text branch from the in-memory postings (issue 13): a query whose lexemes are cached at the collection's
 * current version is scored in the process; every committed write to the collection, by this app or another one
 * on the same database, is seen by the next query; filters go to SQL; the bound (retrieval.textCache.maxPostings)
 * evicts, and 0 turns the cache off, with the same results. (test/bm25-postings.e2e-spec.ts holds the memory and SQL
 * scorers side by side on SQuAD-pt.)
 */
import type { RankedChunk } from '../src/modules/retrieval/domain/chunk';
import { VECTOR_STORE } from '../src/modules/retrieval/application/ports/retrieval.tokens';
import type { PostingsCacheStats } from '../src/modules/retrieval/infrastructure/vector-stores/postings-memory.cache';
import { PgVectorStore } from '../src/modules/retrieval/infrastructure/vector-stores/pgvector.vector-store';
import { SearchHandler } from '../src/modules/retrieval/application/search/search.handler';
import { SERVER_MODE, startTestApp, TestApp } from './support/app';

const C = 'memoria';

describe('BM25 from the in-memory postings', () => {
  let a: TestApp;
  let b: TestApp | undefined;
  let store: PgVectorStore;

  beforeAll(async () => {
    a = await startTestApp();
    store = a.app.get<PgVectorStore>(VECTOR_STORE);
    const docs = [
      { title: 'Gatos', source_id: 'gatos', text: 'O gato preto dorme no sofá da sala durante a tarde.' },
      { title: 'Cães', source_id: 'caes', text: 'O cachorro late para o carteiro todas as manhãs.' },
      { title: 'Aves', source_id: 'aves', text: 'O papagaio repete as palavras que ouve na cozinha.', metadata: { tipo: 'ave' } },
      ...Array.from({ length: 30 }, (_, i) => ({ title: `Nota ${i}`, source_id: `nota-${i}`, text: `Nota ${i} sobre a casa, a sala e o jardim.` })),
    ];
    for (const d of docs) await a.http.post('/v1/documents').send({ collection: C, ...d }).expect(201);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const stats = async (t: TestApp = a): Promise<PostingsCacheStats> => (await t.http.get('/health/ready').expect(200)).body.info.text_cache;
  const settled = async (s: PgVectorStore = store) => Promise.allSettled([...(s as unknown as { warms: Set<Promise<void>> }).warms]);
  const search = (text: string, limit = 10, s: PgVectorStore = store): Promise<RankedChunk[]> =>
    s.textSearch({ text, textSearchConfig: a.config.retrieval.textSearchConfig, collection: C, limit });
  const sql = (text: string, limit = 10): Promise<RankedChunk[]> =>
    (store as unknown as { sqlTextSearch(q: unknown): Promise<RankedChunk[]> }).sqlTextSearch({ text, textSearchConfig: a.config.retrieval.textSearchConfig, collection: C, limit });
  /** Searches until the answer comes from memory (a hit), and returns it. */
  const fromMemory = async (text: string, limit = 10, s: PgVectorStore = store, t: TestApp = a): Promise<RankedChunk[]> => {
    await search(text, limit, s);
    await settled(s);
    const before = (await stats(t)).hits;
    const hits = await search(text, limit, s);
    expect((await stats(t)).hits).toBe(before + 1);
    return hits;
  };
  const titles = (hits: RankedChunk[]) => hits.map((h) => h.title);
  /** Same chunks in the same order, scores to 1e-9 (relative), same coverage. */
  const expectSame = (got: RankedChunk[], want: RankedChunk[]) => {
    expect(got.map((h) => [h.chunkId, h.coverage])).toEqual(want.map((h) => [h.chunkId, h.coverage]));
    got.forEach((h, i) => expect(Math.abs(h.score - want[i].score)).toBeLessThanOrEqual(1e-9 * Math.abs(want[i].score)));
    expect(got.map(({ score: _, ...rest }) => rest)).toEqual(want.map(({ score: _, ...rest }) => rest));
  };

  it('scores a warmed query in memory, as the SQL scorer does, and reports what it holds', async () => {
    const hits = await fromMemory('gato sala jardim');
    expectSame(hits, await sql('gato sala jardim'));
    expect(hits[0].title).toBe('Gatos');
    const s = await stats();
    expect(s).toMatchObject({ max_postings: a.config.retrieval.textCache.maxPostings, collections: 1, status: 'up' });
    expect(s.postings).toBeGreaterThan(30); // sala and jardim are in the 30 notes
    expect(s.approx_bytes).toBeGreaterThan(s.postings * 8);
  });

  it('sees a new, a replaced and a deleted document at once', async () => {
    await fromMemory('gato');
    await a.http.post('/v1/documents').send({ collection: C, title: 'Gato novo', source_id: 'gato-novo', text: 'Um gato laranja no telhado.' }).expect(201);
    expect(titles(await search('gato')).sort()).toEqual(['Gato novo', 'Gatos']);
    await fromMemory('gato');
    // a new version of a document: its old chunk goes, the new one is found
    await a.http.post('/v1/documents').send({ collection: C, title: 'Gatos', source_id: 'gatos', text: 'O gato cinzento caça ratos no quintal.' }).expect(201);
    const replaced = await search('gato');
    expect(replaced.map((h) => h.text).sort()).toEqual(['O gato cinzento caça ratos no quintal.', 'Um gato laranja no telhado.']);
    expectSame(replaced, await sql('gato'));
    await fromMemory('gato');
    const novo = (await a.http.get('/v1/documents').query({ collection: C, limit: 100 }).expect(200)).body.items.find((d: { title: string }) => d.title === 'Gato novo');
    await a.http.delete(`/v1/documents/${novo.id}`).expect(204);
    expect(titles(await search('gato'))).toEqual(['Gatos']);
  });

  it('sees at once a write to the postings that leaves every count as it was (a chunk tsvector rewritten)', async () => {
    // the 30 notes tie on "sala" (their order is that of their random chunk ids)
    const before = await fromMemory('sala');
    // the update trigger rewrites the chunk's postings (the lexeme "sala" keeps its id: other chunks hold it); chunk
    // count and token count stay, and with them the corpus version: only the stats row's row version changes
    await a.dataSource.query(
      `UPDATE chunks SET tsv = to_tsvector('portuguese_unaccent', 'Nota 7 sobre a sala, a sala e a sala.') WHERE collection = $1 AND text LIKE 'Nota 7 %'`,
      [C],
    );
    const after = await search('sala');
    expectSame(after, await sql('sala'));
    expect(after[0].title).toBe('Nota 7'); // "sala" three times now
    expect(after[0].score).toBeGreaterThan(before[0].score);
    expect(after[1].score).toBeLessThan(after[0].score);
    expectSame(await fromMemory('sala'), after);
  });

  it('sees a chunk replaced by an identical one (a delete and an insert that leave every count as it was)', async () => {
    const before = await fromMemory('jardim', 50);
    const [{ id, row }] = await a.dataSource.query(`SELECT id, to_jsonb(c) AS row FROM chunks c WHERE collection = $1 AND text LIKE 'Nota 3 %'`, [C]);
    expect(before.map((h) => h.chunkId)).toContain(id);
    await a.dataSource.transaction(async (em) => {
      await em.query(`DELETE FROM chunks WHERE id = $1`, [id]);
      await em.query(`INSERT INTO chunks SELECT (jsonb_populate_record(NULL::chunks, $1::jsonb || jsonb_build_object('id', gen_random_uuid()))).*`, [JSON.stringify(row)]);
    });
    const after = await search('jardim', 50);
    expectSame(after, await sql('jardim', 50));
    expect(after.map((h) => h.chunkId)).not.toContain(id);
    expect(after.map((h) => h.text).sort()).toEqual(before.map((h) => h.text).sort());
  });

  it('hybrid, both branches ranked together: their rows read by id, and refused after a write (null)', async () => {
    const text = 'papagaio palavras cozinha';
    await fromMemory(text, 1);
    const info = (await store.getCollection(C))!;
    // the vector branch searched with another query's vector, so its nearest chunk is not the text branch's best
    const embedding = (await a.app.get(SearchHandler).embedQuery(C, 'cachorro carteiro manhãs'))!;
    const together = async () =>
      (await store.hybridSearch({ collection: C, limit: 1, vectorLimit: 1, text, textSearchConfig: info.textSearchConfig, embedding, dimension: info.dimension, slot: info.slot, embedderId: info.embedderId }))!;
    const fresh = await together();
    if (SERVER_MODE) return expect(fresh).toBeNull(); // a server's pool runs the branches apart
    const [v, t] = [fresh.vector[0], fresh.text[0]];
    expect([v.text, t.text, v.title, t.title]).toEqual(['', '', '', '']); // ranked, rows not read yet
    expect([...fresh.unread].sort()).toEqual([v.chunkId, t.chunkId].sort());
    const rows = (await fresh.readRows([v.chunkId, t.chunkId]))!;
    expect([rows.get(v.chunkId)!.title, rows.get(t.chunkId)!.title]).toEqual(['Cães', 'Aves']);
    expectSame([{ ...rows.get(t.chunkId)!, score: t.score, coverage: t.coverage }], await sql(text, 1));
    // a write committed after the rankings were read: their rows are not read (the caller searches the branches again)
    const stale = await together();
    await a.http.post('/v1/documents').send({ collection: C, title: 'Canário', source_id: 'canario', text: 'O canário canta na varanda.' }).expect(201);
    expect(await stale.readRows([...stale.unread])).toBeNull();
  });

  it('sees a write by another app instance on the same database', async () => {
    // the second instance reaches the first one's database (embedded: its socket, with the password of its data dir)
    const url = SERVER_MODE ? undefined : (a.dataSource.options as { url: string }).url;
    b = await startTestApp({ database: { url, poolSize: 2 } }, { reset: false });
    await fromMemory('cachorro');
    await b.http.post('/v1/documents').send({ collection: C, title: 'Outro cão', source_id: 'outro-cao', text: 'Outro cachorro dorme na varanda.' }).expect(201);
    expect(titles(await search('cachorro')).sort()).toEqual(['Cães', 'Outro cão']);
    // and the other way round: b's cache, warmed, sees a's delete
    const bStore = b.app.get<PgVectorStore>(VECTOR_STORE);
    await fromMemory('cachorro', 10, bStore, b);
    const caes = (await a.http.get('/v1/documents').query({ collection: C, limit: 100 }).expect(200)).body.items.find((d: { title: string }) => d.title === 'Cães');
    await a.http.delete(`/v1/documents/${caes.id}`).expect(204);
    expect(titles(await search('cachorro', 10, bStore))).toEqual(['Outro cão']);
    await b.close();
    b = undefined;
  }, 30_000);

  it('sends a filtered query to SQL, with the filter applied', async () => {
    await fromMemory('palavras varanda sala');
    const before = await stats();
    const filtered = await store.textSearch({
      text: 'palavras varanda sala',
      textSearchConfig: a.config.retrieval.textSearchConfig,
      collection: C,
      limit: 10,
      filters: { tipo: 'ave' },
    });
    expect(titles(filtered)).toEqual(['Aves']);
    const after = await stats();
    expect({ hits: after.hits, misses: after.misses }).toEqual({ hits: before.hits, misses: before.misses });
  });

  it('evicts past maxPostings with the same results, and 0 turns it off', async () => {
    const queries = ['gato sala', 'nota jardim casa', 'cachorro varanda', 'periquito palavras', 'sala'];
    const want = await Promise.all(queries.map((q) => sql(q, 20)));
    const limits = a.config.retrieval.textCache;
    const saved = limits.maxPostings;
    try {
      limits.maxPostings = 40; // about one common lexeme's postings: each query evicts the last one's
      for (let round = 0; round < 2; round++) {
        for (const [i, q] of queries.entries()) {
          expectSame(await search(q, 20), want[i]);
          await settled();
          expectSame(await search(q, 20), want[i]);
        }
      }
      const bounded = await stats();
      expect(bounded.postings).toBeLessThanOrEqual(40);
      expect(bounded.evictions).toBeGreaterThan(0);
      limits.maxPostings = 0;
      const off = await stats();
      for (const [i, q] of queries.entries()) {
        expectSame(await search(q, 20), want[i]);
        await settled();
      }
      expect((await stats()).hits).toBe(off.hits);
      expect((await stats()).postings).toBe(0);
    } finally {
      limits.maxPostings = saved;
    }
  });
});
