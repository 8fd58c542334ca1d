import { LexemePostings, PostingsMemoryCache, QueryLexeme, TextQuery } from './postings-memory.cache';

const K1 = 1.2;
const B = 0.75;

/** Chunk id -> lexeme id -> tf; every chunk's length is its tf total. */
const corpus: Record<string, Record<string, number>> = {
  'c-01': { '1': 2, '2': 1 },
  'c-02': { '1': 1, '3': 1 },
  'c-03': { '2': 3, '3': 1 },
  'c-04': { '3': 2 },
};
const dl = (chunk: string) => Object.values(corpus[chunk]).reduce((a, b) => a + b, 0);
const n = Object.keys(corpus).length;
const avgdl = Object.keys(corpus).reduce((s, c) => s + dl(c), 0) / n;
const df = (lexeme: string) => Object.values(corpus).filter((c) => c[lexeme]).length;
const idf = (d: number) => Math.log(1 + (n - d + 0.5) / (d + 0.5));

function postingsOf(lexeme: string): LexemePostings {
  const chunks = Object.keys(corpus).filter((c) => corpus[c][lexeme]);
  return { lexemeId: lexeme, chunkIds: chunks, tfs: chunks.map((c) => corpus[c][lexeme]), dls: chunks.map(dl) };
}

function query(lexemes: string[], version = 'v1', limit = 10): TextQuery {
  const ql: QueryLexeme[] = lexemes.map((l) => (df(l) > 0 ? { lexemeId: l, df: df(l), idf: idf(df(l)) } : { lexemeId: null, df: 0, idf: idf(0) }));
  return { collection: 'c', version, n, avgdl, lexemes: ql, limit, k1: K1, b: B };
}

describe('PostingsMemoryCache', () => {
  it('misses until every lexeme is stored, then scores Okapi BM25 in score order, ties by chunk id', () => {
    const cache = new PostingsMemoryCache(() => 100);
    expect(cache.score(query(['1', '3']))).toBeUndefined();
    cache.store('c', 'v1', [postingsOf('1')]);
    expect(cache.missing(query(['1', '3']))).toEqual(['3']);
    expect(cache.score(query(['1', '3']))).toBeUndefined();
    cache.store('c', 'v1', [postingsOf('3')]);
    const got = cache.score(query(['1', '3', 'unknown']))!;
    // 50 chunks at most select: both lexemes select here; every chunk holding one is a candidate
    const term = (l: string, c: string) => {
      const tf = corpus[c][l] ?? 0;
      return tf ? (idf(df(l)) * (tf * (K1 + 1))) / (tf + K1 * (1 - B + (B * dl(c)) / avgdl)) : 0;
    };
    const total = idf(df('1')) + idf(df('3')) + idf(0);
    const want = ['c-01', 'c-02', 'c-03', 'c-04']
      .map((c) => ({ id: c, score: term('1', c) + term('3', c), coverage: ((corpus[c]['1'] ? idf(df('1')) : 0) + (corpus[c]['3'] ? idf(df('3')) : 0)) / total }))
      .sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
    expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
    got.forEach((h, i) => {
      expect(h.score).toBeCloseTo(want[i].score, 12);
      expect(h.coverage).toBeCloseTo(want[i].coverage, 12);
    });
    expect(cache.score(query(['1', '3'], 'v1', 2))!.map((h) => h.id)).toEqual(want.slice(0, 2).map((h) => h.id));
    expect(cache.stats()).toMatchObject({ postings: 5, lexemes: 2, collections: 1, chunks: 4, hits: 2, misses: 2 });
  });

  it('drops a collection read at another version', () => {
    const cache = new PostingsMemoryCache(() => 100);
    cache.store('c', 'v1', [postingsOf('1'), postingsOf('2')]);
    expect(cache.score(query(['1'], 'v2'))).toBeUndefined();
    expect(cache.stats()).toMatchObject({ postings: 0, collections: 0 });
    expect(cache.missing(query(['1', '2'], 'v2'))).toEqual(['1', '2']);
    // postings read at a newer version than the kept ones replace them
    cache.store('c', 'v2', [postingsOf('1')]);
    cache.store('c', 'v3', [postingsOf('2')]);
    expect(cache.missing(query(['1', '2'], 'v3'))).toEqual(['1']);
  });

  it('evicts the least recently used lexemes past maxPostings, and holds nothing at 0', () => {
    let max = 4;
    const cache = new PostingsMemoryCache(() => max);
    cache.store('c', 'v1', [postingsOf('1'), postingsOf('2')]); // 2 + 2
    expect(cache.score(query(['1']))).toBeDefined(); // 1 used last
    cache.store('c', 'v1', [postingsOf('3')]); // 3 more: 2 (least recently used) goes, then 1
    expect(cache.stats()).toMatchObject({ postings: 3, lexemes: 1, evictions: 2 });
    expect(cache.missing(query(['1', '2', '3']))).toEqual(['1', '2']);
    max = 0;
    expect(cache.enabled).toBe(false);
    cache.trim();
    cache.store('c', 'v1', [postingsOf('1')]);
    expect(cache.stats()).toMatchObject({ postings: 0, lexemes: 0, collections: 0 });
    expect(cache.score(query(['1']))).toBeUndefined();
  });
});
