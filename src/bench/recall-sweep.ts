/*
 * Variants of hybrid retrieval on SQuAD-pt dev, per article (issue 8): `npm run eval:recall-sweep`.
 *
 * One run of the real application collects, for every question, the text and vector branches' lists (60 each, as
 * hybrid fuses them), its lexemes (`to_tsvector` of the collection's configuration) and every chunk's lexemes with
 * their term frequencies. The text branch (Okapi BM25 with the store's candidate rule), RRF and the rerank (the
 * domain's own functions) are then recomputed in the process, which the script checks gives the application's
 * hybrid top 10 for every question, so each variant is measured on the pipeline as it runs, in seconds.
 * Vector variants embed the chunks and questions again and rank by exact cosine.
 * Folds: the five articles; "leave one article out" picks the variant best on four and reports it on the fifth.
 *
 * Synonym expansion (session 19): with RECALL_SWEEP_THESAURUS (MyThes files, comma-separated, e.g.
 * /usr/share/mythes/th_pt_BR.dat from Debian's mythes-pt-br), the question's lexemes are expanded in the text branch
 * with the thesaurus' synonyms (stemmed by the collection's configuration) at a weight w < 1; see variants().
 * RECALL_SWEEP_ONLY=synonyms runs the shipped pipeline and those variants only. RECALL_SWEEP_CACHE=<file> keeps the
 * application's run (lists, lexemes, stems) in a JSON file and reuses it when present.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { HashingEmbedder, HashingEmbedderOptions } from '../modules/retrieval/infrastructure/embedders/hashing.embedder';
import { RankedChunk } from '../modules/retrieval/domain/chunk';
import { rerank } from '../modules/retrieval/domain/rerank';
import { reciprocalRankFusion } from '../modules/retrieval/domain/rrf';
import { benchApp } from './bench-app';
import { ingestSquad } from './recall.eval';
import { loadSquad } from './squad';
import { markdownTable, round } from './stats';
import { mergeThesauri, readMythes, stemThesaurus, ThesaurusEntry, thesaurusWords } from './thesaurus';

interface Chunk { id: string; documentId: string; title: string; text: string; dl: number; lexemes: Array<{ l: string; tf: number }> }
interface Question { q: string; gold: string; article: string; lexemes: string[]; text: Scored[]; vector: Scored[]; hybrid: string[] }
interface Scored { id: string; score: number; coverage?: number | null }

interface Collected { chunks: Chunk[]; paragraphOf: Map<string, string>; questions: Question[]; stems: Map<string, string> }

const thesaurusPaths = () => (process.env.RECALL_SWEEP_THESAURUS ?? '').split(',').filter(Boolean);

/** Interrogatives the Portuguese stopword list keeps: never expanded. */
const INTERROGATIVES = ['onde', 'quais', 'qual', 'quanto', 'quantos', 'quanta', 'quantas', 'porque', 'porquê', 'cujo', 'cuja'];

async function collect(words: string[]): Promise<Collected> {
  const cache = process.env.RECALL_SWEEP_CACHE;
  if (cache && existsSync(cache)) {
    const c = JSON.parse(readFileSync(cache, 'utf8')) as { chunks: Chunk[]; paragraphOf: Array<[string, string]>; questions: Question[]; stems: Array<[string, string]> };
    const stems = new Map(c.stems);
    if (words.every((w) => stems.has(w))) return { chunks: c.chunks, paragraphOf: new Map(c.paragraphOf), questions: c.questions, stems };
  }
  const got = await collectFromApp(words);
  if (cache) writeFileSync(cache, JSON.stringify({ chunks: got.chunks, paragraphOf: [...got.paragraphOf], questions: got.questions, stems: [...got.stems] }));
  return got;
}

async function collectFromApp(words: string[]): Promise<Collected> {
  const { paragraphs, questions } = loadSquad();
  const ctx = await benchApp();
  try {
    const paragraphOf = await ingestSquad(ctx, paragraphs);
    const rows: Array<{ id: string; document_id: string; title: string; text: string; token_count: number; lex: Chunk['lexemes'] | null }> = await ctx.dataSource.query(
      `SELECT c.id, c.document_id, d.title, c.text, c.token_count,
              (SELECT json_agg(json_build_object('l', u.lexeme, 'tf', coalesce(array_length(u.positions, 1), 1))) FROM unnest(c.tsv) u) AS lex
         FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.collection = 'squad'`,
    );
    const chunks = rows.map((r) => ({ id: r.id, documentId: r.document_id, title: r.title, text: r.text, dl: Number(r.token_count), lexemes: r.lex ?? [] }));
    const out: Question[] = [];
    for (const q of questions) {
      const [{ l }]: Array<{ l: string[] | null }> = await ctx.dataSource.query(
        `SELECT array_agg(DISTINCT u.lexeme) AS l FROM unnest(to_tsvector('portuguese_unaccent', $1)) u`,
        [q.question],
      );
      const run = (mode: 'text' | 'vector' | 'hybrid', topK: number) => ctx.search.execute({ query: q.question, collection: 'squad', mode, topK });
      const [text, vector, hybrid] = [await run('text', 60), await run('vector', 60), await run('hybrid', 30)];
      out.push({
        q: q.question,
        gold: q.paragraphId,
        article: q.paragraphId.split('#')[0],
        lexemes: l ?? [],
        text: text.hits.map((h) => ({ id: h.chunkId, score: h.score, coverage: h.coverage })),
        vector: vector.hits.map((h) => ({ id: h.chunkId, score: h.score })),
        hybrid: hybrid.hits.map((h) => h.chunkId),
      });
    }
    // each word's lexemes with the collection's configuration ('' for a stopword or a word of several lexemes)
    const stems = new Map<string, string>();
    for (let i = 0; i < words.length; i += 5000) {
      const batch = words.slice(i, i + 5000);
      const got: Array<{ w: string; l: string[] | null }> = await ctx.dataSource.query(
        `SELECT w, (SELECT array_agg(u.lexeme) FROM unnest(to_tsvector('portuguese_unaccent', w)) u) AS l FROM unnest($1::text[]) w`,
        [batch],
      );
      for (const { w, l } of got) stems.set(w, l && l.length === 1 ? l[0] : '');
    }
    return { chunks, paragraphOf, questions: out, stems };
  } finally {
    await ctx.close();
  }
}

/** Okapi BM25 over the chunks' lexemes, with PgVectorStore.textSearch's candidates (a lexeme in at most max(5%, 50) chunks selects). */
class Bm25 {
  private readonly postings = new Map<string, Array<{ id: string; tf: number; dl: number }>>();
  private readonly n: number;
  private readonly avgdl: number;

  constructor(chunks: Chunk[], private readonly k1 = 1.2, private readonly b = 0.75) {
    for (const c of chunks) for (const { l, tf } of c.lexemes) (this.postings.get(l) ?? this.postings.set(l, []).get(l)!).push({ id: c.id, tf, dl: c.dl });
    this.n = chunks.length;
    this.avgdl = chunks.reduce((a, c) => a + c.dl, 0) / this.n;
  }

  /** The share of chunks holding the lexeme. */
  dfShare(l: string): number {
    return (this.postings.get(l)?.length ?? 0) / this.n;
  }

  idf(l: string): number {
    const df = this.postings.get(l)?.length ?? 0;
    return Math.log(1 + (this.n - df + 0.5) / (df + 0.5));
  }

  /** Weighted query lexemes (RM3 gives expansion terms weights); the shipped query weighs each lexeme 1. */
  search(query: Array<[string, number]>, limit = 60): Scored[] {
    const held = query.filter(([l]) => this.postings.has(l));
    if (held.length === 0) return [];
    const threshold = Math.max(this.n * 0.05, 50);
    const df = (l: string) => this.postings.get(l)!.length;
    const informative = held.some(([l]) => df(l) <= threshold);
    const rarest = Math.min(...held.map(([l]) => df(l)));
    const selects = (l: string) => df(l) <= threshold || (!informative && df(l) === rarest);
    const scores = new Map<string, number>();
    for (const pass of [true, false]) {
      for (const [l, w] of held) {
        if (selects(l) !== pass) continue;
        const idf = this.idf(l);
        for (const p of this.postings.get(l)!) {
          if (!pass && !scores.has(p.id)) continue;
          const term = (idf * p.tf * (this.k1 + 1)) / (p.tf + this.k1 * (1 - this.b + (this.b * p.dl) / this.avgdl));
          scores.set(p.id, (scores.get(p.id) ?? 0) + w * term);
        }
      }
    }
    return [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([id, score]) => ({ id, score }));
  }
}

/** RM3 (Lavrenko and Croft; Abdul-Jaleel et al.): the query plus the top `docs` chunks' most likely terms (by p(w|D) p(D|Q) idf). */
function rm3(bm25: Bm25, byId: Map<string, Chunk>, lexemes: string[], first: Scored[], docs: number, terms: number, lambda: number): Array<[string, number]> {
  const top = first.slice(0, docs);
  const original = lexemes.map((l): [string, number] => [l, 1 - lambda]);
  if (top.length === 0) return original;
  const weights = top.map((d) => Math.exp(d.score - top[0].score));
  const z = weights.reduce((a, b) => a + b, 0);
  const p = new Map<string, number>();
  top.forEach((d, i) => {
    const c = byId.get(d.id)!;
    const len = c.lexemes.reduce((a, x) => a + x.tf, 0);
    for (const { l, tf } of c.lexemes) p.set(l, (p.get(l) ?? 0) + (tf / len) * (weights[i] / z));
  });
  const asked = new Set(lexemes);
  const expansion = [...p].filter(([l]) => !asked.has(l)).map(([l, v]): [string, number] => [l, v * bm25.idf(l)]).sort((a, b) => b[1] - a[1]).slice(0, terms);
  const total = expansion.reduce((a, x) => a + x[1], 0) || 1;
  return [...original, ...expansion.map(([l, v]): [string, number] => [l, (lambda * lexemes.length * v) / total])];
}

interface Variant {
  name: string;
  /** Hashing embedder options for the vector branch (undefined: the application's own vector lists). */
  embedder?: HashingEmbedderOptions;
  rm3?: { docs: number; terms: number; lambda: number };
  bm25?: { k1: number; b: number };
  rrf?: { k: number; vectorWeight: number };
  proximityWeight?: number;
  /** The vector branch's candidates kept for fusion (undefined: all 60, as the application fuses them). */
  vectorCandidates?: number;
  /**
   * Thesaurus expansion of the text branch's query: each question lexeme (not an interrogative) whose entry has at most
   * `maxSenses` senses and which is in at most `maxDf` of the chunks adds its first `cap` synonyms at `weight`.
   */
  synonyms?: { weight: number; cap: number; maxSenses: number; maxDf?: number };
}

/** The application's hybrid as it runs (the lexical embedder's vector pool is 30 since session 18): the synonyms' baseline. */
const AS_RUN: Variant = { name: 'as the application runs it (vector pool 30)', vectorCandidates: 30 };

function synonymVariants(): Variant[] {
  const out: Variant[] = [AS_RUN];
  const v = (name: string, synonyms: NonNullable<Variant['synonyms']>) => out.push({ name: `synonyms ${name}`, synonyms, vectorCandidates: 30 });
  for (const weight of [0.1, 0.2, 0.3, 0.4, 0.5]) for (const cap of [3, 5]) v(`w ${weight}, cap ${cap}, senses <= 4`, { weight, cap, maxSenses: 4 });
  for (const maxSenses of [1, 2, 10, 1000]) v(`w 0.3, cap 3, senses <= ${maxSenses}`, { weight: 0.3, cap: 3, maxSenses });
  for (const maxDf of [0.01, 0.02, 0.05])
    for (const weight of [0.3, 0.5]) v(`w ${weight}, cap 3, senses <= 4, terms in <= ${maxDf * 100}% of chunks`, { weight, cap: 3, maxSenses: 4, maxDf });
  // only the question's lexemes the collection does not hold at all (a paraphrase's likeliest sign), any polysemy
  for (const [weight, cap] of [[0.3, 3], [0.5, 5], [1, 5], [1, 10]]) v(`w ${weight}, cap ${cap}, only terms no chunk holds`, { weight, cap, maxSenses: 1000, maxDf: 0 });
  return out;
}

function variants(): Variant[] {
  const out: Variant[] = [{ name: 'shipped (hashing 384, RRF k 5 / 0.2, proximity 1.5)' }];
  if (thesaurusPaths().length) out.push(...synonymVariants());
  if (process.env.RECALL_SWEEP_ONLY === 'synonyms') return out;
  for (const [k1, b] of [[0.9, 0.75], [1.6, 0.75], [1.2, 0.4], [1.2, 0.9]]) out.push({ name: `BM25 k1 ${k1} b ${b}`, bm25: { k1, b } });
  for (const [docs, terms, lambda] of [[3, 10, 0.3], [5, 10, 0.3], [10, 10, 0.3], [5, 20, 0.3], [5, 10, 0.5]])
    out.push({ name: `RM3 ${docs} chunks, ${terms} terms, lambda ${lambda}`, rm3: { docs, terms, lambda } });
  for (const dimension of [384, 1024, 2048]) {
    for (const vectorWeight of dimension === 384 ? [0.2] : [0.2, 0.5, 1]) {
      out.push({ name: `hashing ${dimension}, n-grams 1, no bigrams, RRF weight ${vectorWeight}`, embedder: { dimension, ngramWeight: 1, bigramWeight: 0 }, rrf: { k: 5, vectorWeight } });
    }
  }
  for (const n of [10, 20, 30, 40]) out.push({ name: `vector branch cut to ${n} candidates`, vectorCandidates: n });
  out.push({ name: 'hashing 1024 (as 384: n-grams 0.6, bigrams 0.5), RRF weight 0.5', embedder: { dimension: 1024 }, rrf: { k: 5, vectorWeight: 0.5 } });
  const wide = { dimension: 1024, ngramWeight: 1, bigramWeight: 0 };
  out.push({ name: 'hashing 1024 + RM3 5/10/0.3, RRF k 10 / 0.5', embedder: wide, rm3: { docs: 5, terms: 10, lambda: 0.3 }, rrf: { k: 10, vectorWeight: 0.5 } });
  out.push({ name: 'hashing 1024 + RM3 5/10/0.3, RRF k 5 / 0.5, proximity 2.5', embedder: wide, rm3: { docs: 5, terms: 10, lambda: 0.3 }, rrf: { k: 5, vectorWeight: 0.5 }, proximityWeight: 2.5 });
  return out;
}

function cosineTop(query: Float32Array, vectors: Array<[string, Float32Array]>, limit = 60): Scored[] {
  return vectors
    .map(([id, v]) => {
      let s = 0;
      for (let i = 0; i < v.length; i++) s += query[i] * v[i];
      return { id, score: s };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}

const describe = (o: HashingEmbedderOptions) => `${o.dimension}, n-grams ${o.ngramWeight ?? 0.6}, bigrams ${o.bigramWeight ?? 0.5}`;

type Counts = { n: number; r1: number; r5: number; r10: number; mrr: number };

const zero = (): Counts => ({ n: 0, r1: 0, r5: 0, r10: 0, mrr: 0 });

/** Counts a question whose paragraph came at `rank` (1-based; 0: not returned). */
function tally(c: Counts, rank: number): void {
  c.n++;
  if (rank === 1) c.r1++;
  if (rank >= 1 && rank <= 5) c.r5++;
  if (rank >= 1 && rank <= 10) {
    c.r10++;
    c.mrr += 1 / rank;
  }
}

const add = (a: Counts, b: Counts): Counts => ({ n: a.n + b.n, r1: a.r1 + b.r1, r5: a.r5 + b.r5, r10: a.r10 + b.r10, mrr: a.mrr + b.mrr });

/** The question's lexemes, weighted: each 1, plus its synonyms at the variant's weight (a synonym of two terms counts once). */
function expand(lexemes: string[], th: Map<string, ThesaurusEntry>, skip: Set<string>, bm25: Bm25, s: NonNullable<Variant['synonyms']>): Array<[string, number]> {
  const query = new Map<string, number>(lexemes.map((l) => [l, 1]));
  for (const l of lexemes) {
    const e = th.get(l);
    if (!e || skip.has(l) || e.senses > s.maxSenses || (s.maxDf !== undefined && bm25.dfShare(l) > s.maxDf)) continue;
    for (const syn of e.synonyms.slice(0, s.cap)) if (!query.has(syn)) query.set(syn, s.weight);
  }
  return [...query];
}

async function main(): Promise<void> {
  const paths = thesaurusPaths();
  const raw = paths.length ? mergeThesauri(paths.map((p) => readMythes(p))) : new Map<string, ThesaurusEntry>();
  const { chunks, paragraphOf, questions, stems } = await collect([...thesaurusWords(raw), ...INTERROGATIVES]);
  const th = stemThesaurus(raw, (w) => stems.get(w) || undefined);
  const skip = new Set(INTERROGATIVES.map((w) => stems.get(w)).filter((x): x is string => !!x));
  if (paths.length) {
    const asked = new Set(questions.flatMap((q) => q.lexemes));
    const covered = [...asked].filter((l) => th.has(l)).length;
    console.log(`Thesaurus ${paths.join(', ')}: ${raw.size} single-word entries, ${th.size} stems with synonyms; ${covered} of the ${asked.size} question lexemes have an entry`);
  }
  const byId = new Map(chunks.map((c) => [c.id, c]));
  const ranked = (list: Scored[]): RankedChunk[] =>
    list.map((s) => {
      const c = byId.get(s.id)!;
      return { chunkId: c.id, documentId: c.documentId, title: c.title, text: c.text, score: s.score, coverage: s.coverage ?? undefined, metadata: {}, start: 0, end: 0 };
    });
  const paragraphs = (ids: string[]) => [...new Set(ids.map((id) => paragraphOf.get(byId.get(id)!.documentId)!))];
  const articles = [...new Set(questions.map((q) => q.article))];
  const shippedBm25 = new Bm25(chunks);
  const embedded = new Map<string, Map<string, Scored[]>>();
  const rows: Array<{ v: Variant; counts: Map<string, Counts>; text: Counts; agree: number }> = [];
  let agree = 0;
  const shippedTop5 = new Map<string, string>();
  const sameTop5 = new Map<Variant, number>();
  for (const v of variants()) {
    const bm25 = v.bm25 ? new Bm25(chunks, v.bm25.k1, v.bm25.b) : shippedBm25;
    let vectorLists: Map<string, Scored[]> | undefined;
    if (v.embedder) {
      const key = JSON.stringify(v.embedder);
      vectorLists = embedded.get(key);
      if (!vectorLists) {
        const e = new HashingEmbedder(v.embedder);
        const vectors = chunks.map((c): [string, Float32Array] => [c.id, e.embedOne(c.text)]);
        vectorLists = new Map(questions.map((q) => [q.q, cosineTop(e.embedOne(q.q), vectors)]));
        embedded.set(key, vectorLists);
      }
    }
    const counts = new Map(articles.map((a) => [a, zero()]));
    const textAlone = zero();
    let agrees = 0;
    for (const q of questions) {
      let text = bm25.search(v.synonyms ? expand(q.lexemes, th, skip, bm25, v.synonyms) : q.lexemes.map((l) => [l, 1]));
      if (v.rm3) text = bm25.search(rm3(bm25, byId, q.lexemes, text, v.rm3.docs, v.rm3.terms, v.rm3.lambda));
      const vector = (vectorLists?.get(q.q) ?? q.vector).slice(0, v.vectorCandidates ?? 60);
      const { k, vectorWeight } = v.rrf ?? { k: 5, vectorWeight: 0.2 };
      const fused = reciprocalRankFusion(ranked(vector), ranked(text), { k, textWeight: 1, vectorWeight });
      const hits = rerank(q.q, fused, { proximityWeight: v.proximityWeight ?? 1.5, titleWeight: 0.1 });
      const top5 = hits.slice(0, 5).map((h) => h.chunkId).join();
      if (rows.length === 0) shippedTop5.set(q.q, top5);
      else if (shippedTop5.get(q.q) === top5) sameTop5.set(v, (sameTop5.get(v) ?? 0) + 1);
      if (hits.slice(0, 10).map((h) => h.chunkId).join() === q.hybrid.slice(0, 10).join()) agrees++;
      tally(textAlone, paragraphs(text.map((h) => h.id)).indexOf(q.gold) + 1);
      tally(counts.get(q.article)!, paragraphs(hits.map((h) => h.chunkId)).indexOf(q.gold) + 1);
    }
    if (rows.length === 0) agree = agrees;
    rows.push({ v, counts, text: textAlone, agree: agrees });
  }
  const sum = (counts: Map<string, Counts>, among: string[]) => among.reduce((t, a) => add(t, counts.get(a)!), zero());
  const f = (c: Counts) => `${round(c.r1 / c.n, 3).toFixed(3)} / ${round(c.r5 / c.n, 3).toFixed(3)}`;
  console.log(`\nRecomputed shipped pipeline = the application's hybrid top 10 for ${agree} of ${questions.length} questions\n`);
  console.log(
    markdownTable(
      ['variant (R@1 / R@5)', ...articles, 'all', 'top 5 as shipped'],
      rows.map(({ v, counts }, i) => [v.name, ...articles.map((a) => f(sum(counts, [a]))), f(sum(counts, articles)), i === 0 ? '-' : `${sameTop5.get(v) ?? 0} / ${questions.length}`]),
    ),
  );
  // leave one article out: the variant with the best R@5 + R@1/2 on the other four, measured on the held-out one
  const folds = articles.map((held) => {
    const rest = articles.filter((a) => a !== held);
    const merit = (c: Counts) => (c.r5 + c.r1 / 2) / c.n;
    const best = rows.reduce((x, y) => (merit(sum(y.counts, rest)) > merit(sum(x.counts, rest)) ? y : x));
    return { held, best, test: sum(best.counts, [held]), shipped: sum(rows[0].counts, [held]) };
  });
  console.log(`\n${markdownTable(['held-out article', 'chosen on the other four', 'held-out R@1 / R@5', 'shipped'], folds.map((x) => [x.held, x.best.v.name, f(x.test), f(x.shipped)]))}`);
  // the vector branch alone: the application's (HNSW) and each embedder's (exact cosine)
  const alone = [['hashing 384 as shipped (application, HNSW)', (q: Question) => q.vector] as const, ...[...embedded].map(([key, lists]) => [`hashing ${describe(JSON.parse(key) as HashingEmbedderOptions)} (exact cosine)`, (q: Question) => lists.get(q.q)!] as const)];
  const vectorRows = alone.map(([name, list]) => {
    const c = zero();
    for (const q of questions) tally(c, paragraphs(list(q).map((s) => s.id)).indexOf(q.gold) + 1);
    return [name, f(c)];
  });
  console.log(`\n${markdownTable(['vector branch alone', 'R@1 / R@5'], vectorRows)}`);
  const total = folds.reduce((t, x) => add(t, x.test), zero());
  console.log(`\nLeave one article out, all questions: ${f(total)} (shipped ${f(sum(rows[0].counts, articles))})`);
  if (paths.length) {
    const g = (c: Counts) => [c.r1, c.r5, c.r10, c.mrr].map((x) => round(x / c.n, 3).toFixed(3));
    const syn = rows.filter((r) => r.v === AS_RUN || r.v.synonyms);
    const base = syn[0];
    console.log(`\n"${AS_RUN.name}" recomputed = the application's hybrid top 10 for ${base.agree} of ${questions.length} questions`);
    console.log(
      `\n${markdownTable(
        ['variant (all 1,483 questions)', 'R@1', 'R@5', 'R@10', 'MRR@10', 'text branch alone R@1 / R@5'],
        syn.map(({ v, counts, text }) => [v.name, ...g(sum(counts, articles)), `${g(text)[0]} / ${g(text)[1]}`]),
      )}`,
    );
    // how much the thesaurus could do at most: the as-run misses at 5 whose paragraph holds a synonym (any of the first
    // 10, any polysemy) of a question lexeme that the paragraph does not hold itself
    const golds = new Map<string, Set<string>>();
    for (const c of chunks) {
      const pid = paragraphOf.get(c.documentId)!;
      const set = golds.get(pid) ?? golds.set(pid, new Set()).get(pid)!;
      for (const { l } of c.lexemes) set.add(l);
    }
    let misses = 0, reachable = 0;
    for (const q of questions) {
      const fused = rerank(q.q, reciprocalRankFusion(ranked(q.vector.slice(0, 30)), ranked(shippedBm25.search(q.lexemes.map((l) => [l, 1]))), { k: 5, textWeight: 1, vectorWeight: 0.2 }), { proximityWeight: 1.5, titleWeight: 0.1 });
      const rank = paragraphs(fused.map((h) => h.chunkId)).indexOf(q.gold) + 1;
      if (rank >= 1 && rank <= 5) continue;
      misses++;
      const gold = golds.get(q.gold)!;
      if (q.lexemes.some((l) => !gold.has(l) && !skip.has(l) && (th.get(l)?.synonyms ?? []).some((s) => gold.has(s)))) reachable++;
    }
    console.log(`\nAs-run misses at 5: ${misses}; of them ${reachable} have a question lexeme the paragraph lacks but a thesaurus synonym of it the paragraph holds`);
    // held out: the synonym variant (or the shipped pipeline) best on four articles, measured on the fifth
    const held = articles.map((a) => {
      const rest = articles.filter((x) => x !== a);
      const merit = (c: Counts) => (c.r5 + c.r1 / 2) / c.n;
      const best = syn.reduce((x, y) => (merit(sum(y.counts, rest)) > merit(sum(x.counts, rest)) ? y : x));
      return { a, best, test: sum(best.counts, [a]), shipped: sum(base.counts, [a]) };
    });
    console.log(`\n${markdownTable(['held-out article', 'chosen on the other four (shipped or synonyms)', 'held-out R@1 / R@5 / R@10 / MRR', 'as run'], held.map((x) => [x.a, x.best.v.name, g(x.test).join(' / '), g(x.shipped).join(' / ')]))}`);
    const heldTotal = held.reduce((t, x) => add(t, x.test), zero());
    console.log(`\nSynonyms, leave one article out, all questions: R@1 / R@5 / R@10 / MRR ${g(heldTotal).join(' / ')} (as run ${g(sum(base.counts, articles)).join(' / ')})`);
    console.log(`\n${markdownTable(['variant: per article R@1 / R@5', ...articles], syn.map(({ v, counts }) => [v.name, ...articles.map((a) => f(sum(counts, [a])))]))}`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
