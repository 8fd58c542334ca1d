/** A query lexeme as the database describes it (the prelude of PgVectorStore.textSearch). */
export interface QueryLexeme {
  /** lexeme_stats.id; null when the collection never saw the lexeme (df 0). */
  lexemeId: string | null;
  df: number;
  /** Computed by the database, as its scorer computes it (so the scores agree to the bit, term by term). */
  idf: number;
}

/** What the database says about one query over a collection, read in one round trip. */
export interface TextQuery {
  collection: string;
  /** The collection's postings version (collection_stats: version and row version). */
  version: string;
  n: number;
  avgdl: number;
  lexemes: QueryLexeme[];
  limit: number;
  k1: number;
  b: number;
}

/** One lexeme's postings in a collection: chunk ordinals and term frequencies, side by side. */
export interface LexemePostings {
  lexemeId: string;
  chunkIds: string[];
  tfs: number[];
  dls: number[];
}

export interface ScoredChunk {
  id: string;
  score: number;
  coverage: number | null;
}

export interface PostingsCacheStats {
  max_postings: number;
  postings: number;
  lexemes: number;
  collections: number;
  chunks: number;
  approx_bytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

interface Lexeme {
  ordinals: Int32Array;
  tfs: Int32Array;
}

class CollectionPostings {
  readonly ids: string[] = [];
  readonly ordinalOf = new Map<string, number>();
  dl = new Int32Array(1024);
  readonly lexemes = new Map<string, Lexeme>();
  // per-query scratch, indexed by ordinal (queries are scored synchronously, one at a time)
  stamp = new Int32Array(1024);
  partial = new Float64Array(1024);
  matched = new Float64Array(1024);
  extra = new Float64Array(1024);
  extraIdf = new Float64Array(1024);
  generation = 0;

  constructor(readonly version: string) {}

  ordinal(id: string, dl: number): number {
    let o = this.ordinalOf.get(id);
    if (o === undefined) {
      o = this.ids.length;
      this.ids.push(id);
      this.ordinalOf.set(id, o);
      if (o >= this.dl.length) this.grow(this.dl.length * 2);
    }
    this.dl[o] = dl;
    return o;
  }

  private grow(size: number): void {
    const grown = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.dl = grown(this.dl);
    this.stamp = grown(this.stamp);
    this.partial = grown(this.partial);
    this.matched = grown(this.matched);
    this.extra = grown(this.extra);
    this.extraIdf = grown(this.extraIdf);
  }
}

/** Bytes a cached posting costs (ordinal + tf) and a chunk (its id string, map entry, length and scratch). */
const POSTING_BYTES = 8;
const CHUNK_BYTES = 100 + 4 + 36;

/**
 * The BM25 postings of the lexemes queries asked for, per collection, so the text branch can score in the process
 * what the SQL scorer scores from the `postings` table (issue 13). Consistency: every entry belongs to the collection
 * version it was read at (collection_stats' version and row version, which every committed write to the
 * collection's postings changes, whoever wrote it); a query scores from memory only when the version it read in its
 * own round trip is the cached one and every lexeme it needs is here. Another version drops the collection's
 * postings. Bounded: at most `maxPostings` postings, least-recently-used lexemes evicted first; 0 disables.
 */
export class PostingsMemoryCache {
  private readonly collections = new Map<string, CollectionPostings>();
  /** Every cached lexeme, least recently used first (Map order: a use moves it to the end). */
  private readonly lru = new Map<string, { collection: string; lexemeId: string; size: number }>();
  private postings = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(private readonly maxPostings: () => number) {}

  get enabled(): boolean {
    return this.maxPostings() > 0;
  }

  /** The lexemes of `query` the cache lacks at its version (all of them when the collection is at another version). */
  missing(query: Pick<TextQuery, 'collection' | 'version' | 'lexemes'>): string[] {
    const c = this.collections.get(query.collection);
    const ids = query.lexemes.flatMap((l) => (l.lexemeId !== null && l.df > 0 ? [l.lexemeId] : []));
    if (!c || c.version !== query.version) return ids;
    return ids.filter((id) => !c.lexemes.has(id));
  }

  /**
   * Scores `query` with the SQL scorer's rules, or undefined (a miss) when the collection is at another version
   * (then its postings are dropped) or a lexeme is not cached.
   */
  score(query: TextQuery): ScoredChunk[] | undefined {
    const c = this.collections.get(query.collection);
    if (c && c.version !== query.version) this.drop(query.collection);
    if (!this.enabled || !c || c.version !== query.version || this.missing(query).length > 0) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    for (const l of query.lexemes) if (l.lexemeId !== null && l.df > 0) this.touch(query.collection, l.lexemeId);
    return scoreBm25(c, query);
  }

  /** Keeps postings read at `version` (one statement read them and the version); a newer version replaces the collection's. */
  store(collection: string, version: string, lexemes: LexemePostings[]): void {
    if (!this.enabled) return;
    let c = this.collections.get(collection);
    if (c && c.version !== version) {
      this.drop(collection);
      c = undefined;
    }
    if (!c) this.collections.set(collection, (c = new CollectionPostings(version)));
    for (const l of lexemes) {
      if (c.lexemes.has(l.lexemeId)) continue;
      const ordinals = new Int32Array(l.chunkIds.length);
      for (let i = 0; i < l.chunkIds.length; i++) ordinals[i] = c.ordinal(l.chunkIds[i], l.dls[i]);
      c.lexemes.set(l.lexemeId, { ordinals, tfs: Int32Array.from(l.tfs) });
      this.lru.set(key(collection, l.lexemeId), { collection, lexemeId: l.lexemeId, size: ordinals.length });
      this.postings += ordinals.length;
    }
    this.evict();
  }

  /** The collection's postings, all of them (a write seen, a re-index). */
  drop(collection: string): void {
    const c = this.collections.get(collection);
    if (!c) return;
    for (const id of c.lexemes.keys()) {
      const k = key(collection, id);
      this.postings -= this.lru.get(k)?.size ?? 0;
      this.lru.delete(k);
    }
    this.collections.delete(collection);
  }

  stats(): PostingsCacheStats {
    let chunks = 0;
    for (const c of this.collections.values()) chunks += c.ids.length;
    return {
      max_postings: this.maxPostings(),
      postings: this.postings,
      lexemes: this.lru.size,
      collections: this.collections.size,
      chunks,
      approx_bytes: this.postings * POSTING_BYTES + chunks * CHUNK_BYTES,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }

  private touch(collection: string, lexemeId: string): void {
    const k = key(collection, lexemeId);
    const entry = this.lru.get(k);
    if (!entry) return;
    this.lru.delete(k);
    this.lru.set(k, entry);
  }

  /** Evicts down to maxPostings (it may have been lowered, to 0 even). */
  trim(): void {
    this.evict();
  }

  private evict(): void {
    const max = this.maxPostings();
    for (const [k, entry] of this.lru) {
      if (this.postings <= max) break;
      this.lru.delete(k);
      this.postings -= entry.size;
      this.evictions++;
      const c = this.collections.get(entry.collection);
      c?.lexemes.delete(entry.lexemeId);
      // a collection without lexemes lets its chunk ordinals go too
      if (c && c.lexemes.size === 0) this.collections.delete(entry.collection);
    }
  }
}

function key(collection: string, lexemeId: string): string {
  return `${collection}\u0000${lexemeId}`;
}

/**
 * Okapi BM25 exactly as PgVectorStore.textSearch's SQL: the candidates are the chunks in the postings of the
 * "selecting" lexemes (in at most 5% of the chunks, or 50; if none is, the rarest), the other lexemes only add to
 * their scores; the same term in float64, in the same operation order, with the database's idf; ordered by score
 * descending, then chunk id; coverage the matched share of the query's idf. (The SQL's pruning of candidates that
 * cannot reach the top `limit` changes no result, so every candidate is scored here.)
 */
function scoreBm25(c: CollectionPostings, q: TextQuery): ScoredChunk[] {
  const { k1, b, avgdl, limit } = q;
  let totalIdf = 0;
  for (const l of q.lexemes) totalIdf += l.idf;
  const held = q.lexemes.filter((l) => l.lexemeId !== null && l.df > 0);
  if (held.length === 0) return [];
  const threshold = Math.max(q.n * 0.05, 50);
  const informative = held.some((l) => l.df <= threshold);
  const rarest = Math.min(...held.map((l) => l.df));
  const selects = (l: QueryLexeme) => l.df <= threshold || (!informative && l.df === rarest);

  const gen = ++c.generation;
  const { stamp, partial, matched, extra, extraIdf, dl } = c;
  const candidates: number[] = [];
  const term = (idf: number, tf: number, d: number) => (idf * (tf * (k1 + 1))) / (tf + k1 * (1 - b + (b * d) / avgdl));
  for (const l of held) {
    if (!selects(l)) continue;
    const p = c.lexemes.get(l.lexemeId!)!;
    for (let i = 0; i < p.ordinals.length; i++) {
      const o = p.ordinals[i];
      const t = term(l.idf, p.tfs[i], dl[o]);
      if (stamp[o] !== gen) {
        stamp[o] = gen;
        partial[o] = t;
        matched[o] = l.idf;
        extra[o] = 0;
        extraIdf[o] = 0;
        candidates.push(o);
      } else {
        partial[o] += t;
        matched[o] += l.idf;
      }
    }
  }
  for (const l of held) {
    if (selects(l)) continue;
    const p = c.lexemes.get(l.lexemeId!)!;
    for (let i = 0; i < p.ordinals.length; i++) {
      const o = p.ordinals[i];
      if (stamp[o] !== gen) continue;
      extra[o] += term(l.idf, p.tfs[i], dl[o]);
      extraIdf[o] += l.idf;
    }
  }
  // the top `limit`: a bounded heap whose root is the worst kept (lowest score, then greatest id)
  const ids = c.ids;
  const score = (o: number) => partial[o] + extra[o];
  const worse = (a: number, bb: number) => {
    const sa = score(a);
    const sb = score(bb);
    return sa < sb || (sa === sb && ids[a] > ids[bb]);
  };
  const heap: number[] = [];
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (const o of candidates) {
    if (heap.length < limit) {
      heap.push(o);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i], heap[parent])) break;
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else if (heap.length > 0 && worse(heap[0], o)) {
      heap[0] = o;
      down(0);
    }
  }
  heap.sort((x, y) => (worse(x, y) ? 1 : worse(y, x) ? -1 : 0));
  return heap.map((o) => ({ id: ids[o], score: score(o), coverage: totalIdf > 0 ? (matched[o] + extraIdf[o]) / totalIdf : null }));
}
