import { loadConfig } from '../../../../shared/config';
import { CollectionInfo, RankedChunk } from '../../domain/chunk';
import { CollectionNotFoundError, EmbedderMismatchError, InvalidSearchError } from '../../domain/retrieval.errors';
import { HashingEmbedder } from '../../infrastructure/embedders/hashing.embedder';
import { EmbedderRegistry } from '../embedders/embedder-registry.service';
import { BranchQuery, VectorStore } from '../ports/vector-store.port';
import { SearchHandler } from './search.handler';

const chunk = (id: string, score: number, extra: Partial<RankedChunk> = {}): RankedChunk => ({
  chunkId: id, documentId: `doc-${id}`, title: `t-${id}`, text: `text ${id}`, metadata: {}, start: 0, end: 6, score, ...extra,
});

/** In-memory VectorStore: canned branch results, every call recorded. */
class FakeStore implements Partial<VectorStore> {
  collections = new Map<string, CollectionInfo>();
  vector: RankedChunk[] = [];
  text: RankedChunk[] = [];
  vectorCalls: Array<BranchQuery & { embedderId: string; dimension: number }> = [];
  textCalls: Array<BranchQuery & { text: string }> = [];
  lookups = 0;
  /** Applied after the first vector query: a re-index cut the collection over to another embedder. */
  cutover?: CollectionInfo;

  async getCollection(name: string) {
    this.lookups++;
    return this.collections.get(name) ?? null;
  }
  async vectorSearch(q: BranchQuery & { embedding: Float32Array; dimension: number; embedderId: string }) {
    this.vectorCalls.push(q);
    const current = this.collections.get(q.collection);
    if (current?.embedderId !== q.embedderId) return []; // what the adapter's SQL does after a cutover
    const out = this.vector;
    if (this.cutover) {
      this.collections.set(q.collection, this.cutover);
      this.cutover = undefined;
      return [];
    }
    return out;
  }
  async textSearch(q: BranchQuery & { text: string; textSearchConfig: string }) {
    this.textCalls.push(q);
    return this.text;
  }
}

/** A store that ranks hybrid searches together: the chunks in `unread` come without their row until readRows. */
class TogetherStore extends FakeStore {
  unread = new Set<string>();
  stale = false;
  hybridCalls: Array<BranchQuery & { text: string; embedderId: string }> = [];
  readCalls: string[][] = [];

  async hybridSearch(q: BranchQuery & { text: string; textSearchConfig: string; embedding: Float32Array; dimension: number; embedderId: string }) {
    this.hybridCalls.push(q);
    const full = new Map([...this.vector, ...this.text].map(({ score: _, coverage: __, ...row }) => [row.chunkId, row]));
    const rowless = (c: RankedChunk) => (this.unread.has(c.chunkId) ? { ...c, documentId: '', title: '', text: '', metadata: {} } : c);
    return {
      vector: this.vector.map(rowless),
      text: this.text.map(rowless),
      unread: this.unread,
      readRows: async (ids: string[]) => {
        this.readCalls.push(ids);
        return this.stale ? null : new Map(ids.map((id) => [id, full.get(id)!]));
      },
    };
  }
}

const hashing = new HashingEmbedder({ dimension: 64 });
const other = new HashingEmbedder({ dimension: 32 });
const info = (name: string, e: HashingEmbedder): CollectionInfo => ({
  name, embedderId: e.modelId, dimension: e.dimension, slot: 0, textSearchConfig: 'portuguese', createdAt: new Date(),
});

function setup() {
  const config = loadConfig({ env: {} });
  const store = new FakeStore();
  const registry = new EmbedderRegistry(hashing, async () => other); // swap() loads `other`
  const handler = new SearchHandler(registry, store as unknown as VectorStore, config);
  return { config, store, registry, handler };
}

describe('SearchHandler (fake ports)', () => {
  it('answers an empty knowledge base (default collection not created yet) with no hits, and 404s a named unknown collection', async () => {
    const { handler } = setup();
    await expect(handler.execute({ query: 'férias', collection: 'default' })).resolves.toMatchObject({ hits: [], collection: 'default', embedder: null });
    await expect(handler.execute({ query: 'férias', collection: 'vendas' })).rejects.toBeInstanceOf(CollectionNotFoundError);
  });

  it('validates the query and top_k before touching the store', async () => {
    const { handler, store, config } = setup();
    await expect(handler.execute({ query: '   ', collection: 'default' })).rejects.toBeInstanceOf(InvalidSearchError);
    await expect(handler.execute({ query: 'x', collection: 'default', topK: config.retrieval.search.maxTopK + 1 })).rejects.toThrow(/top_k must be at most/);
    expect(store.lookups).toBe(0);
  });

  it('hybrid: both branches over the candidate pool, fused (a chunk found by both ranks first), cut to top_k', async () => {
    const { handler, store, config } = setup();
    store.collections.set('kb', info('kb', hashing));
    store.vector = [chunk('a', 0.9), chunk('b', 0.8), chunk('c', 0.7)];
    store.text = [chunk('b', 12, { coverage: 1 }), chunk('d', 9, { coverage: 0.5 })];
    const res = await handler.execute({ query: 'política de férias', collection: 'kb', topK: 2 });
    // the hashing embedder is lexical: its branch reads the shorter pool (lexicalVectorCandidates)
    expect(config.retrieval.search.lexicalVectorCandidates).toBeLessThan(config.retrieval.search.candidates);
    expect(store.vectorCalls[0]).toMatchObject({ collection: 'kb', limit: config.retrieval.search.lexicalVectorCandidates, embedderId: hashing.modelId, dimension: 64 });
    expect(store.textCalls[0]).toMatchObject({ collection: 'kb', limit: config.retrieval.search.candidates, text: 'política de férias' });
    expect(res.hits.map((h) => h.chunkId)).toEqual(['b', expect.any(String)]);
    expect(res.hits[0]).toMatchObject({ ranks: { vector: 2, text: 1 }, coverage: 1 });
    expect(res).toMatchObject({ mode: 'hybrid', collection: 'kb', embedder: hashing.modelId });
    expect(res.timings.embed_ms).toBeGreaterThanOrEqual(0);
  });

  it("hybrid: a semantic embedder's vector branch reads the whole candidate pool, and no pool is shorter than top_k", async () => {
    const config = loadConfig({ env: {} });
    const { candidates, lexicalVectorCandidates } = config.retrieval.search;
    const semantic = Object.create(hashing, { info: { value: { ...hashing.info, kind: 'semantic' } } }) as HashingEmbedder;
    const store = new FakeStore();
    store.collections.set('kb', info('kb', hashing));
    const handler = new SearchHandler(new EmbedderRegistry(semantic, async () => other), store as unknown as VectorStore, config);
    await handler.execute({ query: 'política de férias', collection: 'kb', topK: 2 });
    expect(store.vectorCalls[0].limit).toBe(candidates);
    const lexical = setup();
    lexical.store.collections.set('kb', info('kb', hashing));
    await lexical.handler.execute({ query: 'política de férias', collection: 'kb', topK: lexicalVectorCandidates + 5 });
    expect(lexical.store.vectorCalls[0].limit).toBe(lexicalVectorCandidates + 5);
  });

  it('hybrid with a store that ranks the branches together: reads the fused head rows only, and searches both branches again if they went stale', async () => {
    const { config } = setup();
    const store = new TogetherStore();
    const handler = new SearchHandler(new EmbedderRegistry(hashing, async () => other), store as unknown as VectorStore, config);
    store.collections.set('kb', info('kb', hashing));
    store.vector = [chunk('a', 0.9), chunk('b', 0.8), ...Array.from({ length: 50 }, (_, i) => chunk(`v${i}`, 0.5))];
    store.text = [chunk('b', 12, { coverage: 1 }), chunk('d', 9, { coverage: 0.5 }), chunk('e', 8, { coverage: 0.5 })];
    store.unread = new Set([...store.vector, ...store.text].map((c) => c.chunkId));
    const res = await handler.execute({ query: 'política de férias', collection: 'kb', topK: 3 });
    expect(store.hybridCalls[0]).toMatchObject({
      collection: 'kb',
      limit: config.retrieval.search.candidates,
      vectorLimit: config.retrieval.search.lexicalVectorCandidates,
      text: 'política de férias',
      embedderId: hashing.modelId,
    });
    expect(store.vectorCalls).toHaveLength(0);
    expect(store.textCalls).toHaveLength(0);
    // one read, of the fused head (the reranker's 40), not of the 52 + 3 candidates
    expect(store.readCalls).toHaveLength(1);
    expect(store.readCalls[0]).toHaveLength(40);
    expect(store.readCalls[0].slice(0, 3)).toEqual(['b', 'd', 'e']);
    expect(res.hits.map((h) => [h.chunkId, h.text, h.title, h.ranks])).toEqual(
      expect.arrayContaining([['b', 'text b', 't-b', { vector: 2, text: 1 }], ['d', 'text d', 't-d', { vector: null, text: 2 }]]),
    );
    expect(res.hits.find((h) => h.chunkId === 'b')).toMatchObject({ coverage: 1, documentId: 'doc-b', start: 0, end: 6 });
    // a write committed since the rankings were read: both branches are searched again, apart
    store.stale = true;
    store.text = [chunk('e', 8, { coverage: 0.5 })];
    const again = await handler.execute({ query: 'política de férias', collection: 'kb', topK: 3 });
    expect([store.vectorCalls.length, store.textCalls.length]).toEqual([1, 1]);
    expect(again.hits.map((h) => [h.chunkId, h.ranks, h.text])).toEqual([
      ['e', { vector: null, text: 1 }, 'text e'],
      ['a', { vector: 1, text: null }, 'text a'],
      ['b', { vector: 2, text: null }, 'text b'],
    ]);
  });

  it('vector and text modes query one branch with limit top_k; min_score filters on the branch score', async () => {
    const { handler, store } = setup();
    store.collections.set('kb', info('kb', hashing));
    store.vector = [chunk('a', 0.9), chunk('b', 0.4)];
    store.text = [chunk('c', 3)];
    const v = await handler.execute({ query: 'x', collection: 'kb', mode: 'vector', topK: 3, minScore: 0.5 });
    expect(v.hits.map((h) => [h.chunkId, h.ranks])).toEqual([['a', { vector: 1, text: null }]]);
    expect(store.textCalls).toHaveLength(0);
    expect(store.vectorCalls[0].limit).toBe(3);
    const t = await handler.execute({ query: 'x', collection: 'kb', mode: 'text', topK: 3 });
    expect(t).toMatchObject({ embedder: null, hits: [{ chunkId: 'c', ranks: { vector: null, text: 1 } }] });
    expect(store.vectorCalls).toHaveLength(1);
  });

  it('caches the collection row between searches', async () => {
    const { handler, store } = setup();
    store.collections.set('kb', info('kb', hashing));
    for (let i = 0; i < 5; i++) await handler.execute({ query: 'x', collection: 'kb', mode: 'text' });
    expect(store.lookups).toBe(1);
  });

  it('a re-index that cuts over mid-search is retried once with the new embedder, never mixing vectors', async () => {
    const { handler, store, registry } = setup();
    store.collections.set('kb', info('kb', hashing));
    await handler.execute({ query: 'warm the cache', collection: 'kb', mode: 'text' });
    await registry.swap({ provider: 'hashing' }); // both loaded: `hashing` for the cached row, `other` after the cutover
    store.cutover = info('kb', other);
    store.vector = [chunk('n', 0.8)];
    const res = await handler.execute({ query: 'x', collection: 'kb', mode: 'vector' });
    expect(store.vectorCalls.map((c) => [c.embedderId, c.dimension])).toEqual([
      [hashing.modelId, 64],
      [other.modelId, 32],
    ]);
    expect(res).toMatchObject({ embedder: other.modelId, hits: [{ chunkId: 'n' }] });
  });

  it('refuses to search a collection built by an embedder that is not loaded', async () => {
    const { handler, store } = setup();
    store.collections.set('kb', info('kb', other));
    await expect(handler.execute({ query: 'x', collection: 'kb', mode: 'vector' })).rejects.toBeInstanceOf(EmbedderMismatchError);
    await expect(handler.execute({ query: 'x', collection: 'kb', mode: 'text' })).resolves.toMatchObject({ hits: [] });
  });
});

describe('SearchHandler query-embedding cache', () => {
  it('embeds a repeated query text once per embedder, and every time with cache.embeddings.maxEntries 0', async () => {
    for (const [maxEntries, expected] of [[1000, 1], [0, 3]]) {
      const config = loadConfig({ env: {}, overrides: { cache: { embeddings: { maxEntries } } } });
      const embedder = new HashingEmbedder({ dimension: 64 });
      const embed = jest.spyOn(embedder, 'embed');
      const store = new FakeStore();
      store.collections.set('kb', info('kb', embedder));
      const handler = new SearchHandler(new EmbedderRegistry(embedder, async () => other), store as unknown as VectorStore, config);
      for (let i = 0; i < 3; i++) await handler.execute({ query: 'política de férias', collection: 'kb', mode: 'vector' });
      expect(embed).toHaveBeenCalledTimes(expected);
    }
  });
});

describe('SearchHandler.corpusState (shared reads)', () => {
  it('callers arriving during a read share the next one, never the one already running', async () => {
    const config = loadConfig({ env: {} });
    const pending: Array<(v: { embedderId: string; version: string }) => void> = [];
    const store = { corpusState: () => new Promise((resolve) => pending.push(resolve)) };
    const handler = new SearchHandler(new EmbedderRegistry(hashing, async () => other), store as unknown as VectorStore, config);
    const first = handler.corpusState('kb');
    const late = [handler.corpusState('kb'), handler.corpusState('kb'), handler.corpusState('kb')];
    expect(pending).toHaveLength(1);
    pending[0]({ embedderId: 'e', version: '1' }); // e.g. read before an ingest committed
    await expect(first).resolves.toEqual({ embedderId: 'e', version: '1' });
    await new Promise((r) => setImmediate(r));
    expect(pending).toHaveLength(2); // one read for the three late callers
    pending[1]({ embedderId: 'e', version: '2' });
    expect(await Promise.all(late)).toEqual([1, 2, 3].map(() => ({ embedderId: 'e', version: '2' })));
    const after = handler.corpusState('kb'); // nothing running: a read of its own
    await new Promise((r) => setImmediate(r));
    expect(pending).toHaveLength(3);
    pending[2]({ embedderId: 'e', version: '3' });
    await expect(after).resolves.toEqual({ embedderId: 'e', version: '3' });
  });
});
