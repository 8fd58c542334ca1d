/*
 * `npm run eval -- --set squad|office|<path.jsonl> [--url http://host:port] [--docs DIR] [--collection NAME] [--limit N]`
 *
 * Scores a deployment the way a user judges it: retrieval (R@1/5/10, MRR, nDCG), answers (gold contained,
 * exact match, token F1, length), abstention (off-topic refused, answerable wrongly refused), citation
 * precision and latency. It always speaks HTTP: against `--url`, or against the app started in this
 * process on a throwaway data dir (embedded database, or DATABASE_URL when set) and a free port.
 * Writes reports/eval-<set>.json and .md, and a summary to stdout.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { loadSquad } from './squad';
import {
  containsGold,
  containsGoldVerbatim,
  exactMatch,
  median,
  p,
  rankingMetrics,
  RankingMetrics,
  round3,
  share,
  tokenF1,
  withoutMarkers,
} from './eval-metrics';

export interface EvalQuestion {
  question: string;
  /** Gold answers (any may match); empty for off-topic questions and for questions with no known answer. */
  answers: string[];
  /** The document (file name, or SQuAD paragraph id) that holds the answer, when known. */
  document?: string;
  offTopic: boolean;
  /** SQuAD: the gold answer occurs verbatim in its paragraph (the answer metrics are computed on these). */
  scoreAnswer: boolean;
}

export interface EvalDocument {
  key: string;
  /** A file to upload, or a text to send as JSON. */
  file?: string;
  text?: string;
  title?: string;
}

export interface EvalSet {
  name: string;
  collection: string;
  documents: EvalDocument[];
  questions: EvalQuestion[];
}

export interface EvalReport {
  set: string;
  target: string;
  collection: string;
  questions: { answerable: number; off_topic: number; scored_answers: number };
  retrieval: (RankingMetrics & { mode: 'hybrid' }) | null;
  answers: { contains: number | null; contains_verbatim: number | null; exact: number | null; f1: number | null; median_chars: number | null };
  abstention: { off_topic_refused: number | null; answerable_refused: number | null };
  citations: { precision: number | null; cited_answers: number };
  latency_ms: { p50: number | null; p95: number | null; stages_p50: Record<string, number | null> };
  misses: Array<{ question: string; expected: string | null; got: string; why: string }>;
  wall_s: number;
}

const ROOT = resolve(__dirname, '..', '..');

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (flags: --set, --url, --docs, --collection, --limit)`);
    const [k, v] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), argv[++i]];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    out[k] = v;
  }
  return out;
}

export function loadSet(name: string, opts: { docs?: string; collection?: string } = {}): EvalSet {
  if (name === 'squad') {
    const { paragraphs, questions } = loadSquad();
    const byId = new Map(paragraphs.map((p) => [p.id, p]));
    return {
      name,
      collection: opts.collection ?? 'eval-squad',
      documents: paragraphs.map((p) => ({ key: p.id, text: p.context, title: p.article.replace(/_/g, ' ') })),
      questions: questions.map((q) => ({
        question: q.question,
        answers: q.answers,
        document: q.paragraphId,
        offTopic: false,
        scoreAnswer: q.answers.some((a) => byId.get(q.paragraphId)!.context.includes(a)),
      })),
    };
  }
  const dir = name === 'office' ? join(ROOT, 'eval', 'office') : undefined;
  const path = dir ? join(dir, 'questions.jsonl') : resolve(name);
  if (!existsSync(path)) throw new Error(`no such set: ${name} (use squad, office or a path to a .jsonl file)`);
  const docsDir = opts.docs ? resolve(opts.docs) : dir ? join(dir, 'docs') : undefined;
  const documents = docsDir
    ? readdirSync(docsDir)
        .filter((f) => statSync(join(docsDir, f)).isFile())
        .sort()
        .map((f) => ({ key: f, file: join(docsDir, f) }))
    : [];
  const questions = readFileSync(path, 'utf8')
    .split('\n')
    .map((l, i) => ({ l: l.trim(), i }))
    .filter(({ l }) => l)
    .map(({ l, i }) => {
      let row: { question?: unknown; answer?: unknown; document?: unknown; type?: unknown };
      try {
        row = JSON.parse(l);
      } catch {
        throw new Error(`${path}:${i + 1}: not JSON`);
      }
      if (typeof row.question !== 'string' || !row.question.trim()) throw new Error(`${path}:${i + 1}: "question" must be a non-empty string`);
      const offTopic = row.type === 'off_topic' || row.answer === null;
      const answers = typeof row.answer === 'string' ? [row.answer] : Array.isArray(row.answer) ? row.answer.map(String) : [];
      return { question: row.question, answers, document: typeof row.document === 'string' ? row.document : undefined, offTopic, scoreAnswer: answers.length > 0 };
    });
  const base = basename(path).replace(/\.jsonl$/, '');
  return { name: dir ? name : base, collection: opts.collection ?? (documents.length ? `eval-${slug(dir ? name : base)}` : 'default'), documents, questions };
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, 50) || 'set';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of the API under test, read field by field
type Json = any;

/** One request; a 429 is waited out (its Retry-After, at most 3 times): a deployment's rate limit is not an eval failure. */
async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  let res = await fetch(url, init);
  for (let retry = 0; res.status === 429 && retry < 3; retry++) {
    const wait = Math.min(120, Number(res.headers.get('retry-after')) || 5);
    console.error(`429 from ${new URL(url).pathname}: waiting ${wait} s (Retry-After)`);
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, wait * 1000));
    res = await fetch(url, init);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Uploads the set's documents; returns document id -> document key. */
export async function ingest(base: string, set: EvalSet): Promise<Map<string, string>> {
  const owner = new Map<string, string>();
  for (const d of set.documents) {
    let res: { status: number; body: Json };
    if (d.file) {
      const form = new FormData();
      form.append('collection', set.collection);
      form.append('files', new Blob([readFileSync(d.file)]), basename(d.file));
      res = await call(`${base}/v1/documents`, { method: 'POST', body: form });
    } else {
      res = await call(`${base}/v1/documents`, json({ title: d.title ?? d.key, text: d.text, source_id: `eval:${d.key}`, collection: set.collection }));
    }
    if (res.status >= 300) throw new Error(`ingesting ${d.key} failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    const docs: Array<{ id: string }> = res.body.documents ?? [res.body];
    for (const r of docs) owner.set(r.id, d.key);
  }
  return owner;
}

export async function runEval(set: EvalSet, base: string, limit?: number): Promise<EvalReport> {
  const started = performance.now();
  const owner = set.documents.length ? await ingest(base, set) : new Map<string, string>();
  const questions = limit ? set.questions.slice(0, limit) : set.questions;
  const ranks: number[] = [];
  const wall: number[] = [];
  const stages: Record<string, number[]> = { embed: [], search: [], generate: [], total: [] };
  let contains = 0, verbatim = 0, exact = 0, f1 = 0, scored = 0, answerable = 0, answerableRefused = 0, offTopic = 0, offTopicRefused = 0;
  let citations = 0, preciseCitations = 0, citedAnswers = 0;
  const chars: number[] = [];
  const misses: EvalReport['misses'] = [];
  for (const q of questions) {
    if (q.document && owner.size) {
      const s = await call(`${base}/v1/search`, json({ query: q.question, collection: set.collection, top_k: 20, mode: 'hybrid' }));
      if (s.status !== 200) throw new Error(`search failed: ${s.status} ${JSON.stringify(s.body).slice(0, 300)}`);
      const docs: string[] = [];
      for (const h of s.body.hits as Array<{ document_id: string }>) {
        const key = owner.get(h.document_id);
        if (key && !docs.includes(key)) docs.push(key);
      }
      ranks.push(docs.slice(0, 10).indexOf(q.document) + 1);
    }
    const t = performance.now();
    const a = await call(`${base}/v1/ask`, json({ question: q.question, collection: set.collection }));
    wall.push(performance.now() - t);
    if (a.status !== 200) throw new Error(`ask failed: ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
    const body = a.body as { answer: string; abstained?: string; citations: Array<{ document_id: string; quote: string }>; timings: Record<string, number> };
    for (const k of Object.keys(stages)) if (typeof body.timings?.[`${k}_ms`] === 'number') stages[k].push(body.timings[`${k}_ms`]);
    const refused = !!body.abstained;
    const text = withoutMarkers(body.answer);
    if (q.offTopic) {
      offTopic++;
      if (refused) offTopicRefused++;
      else misses.push({ question: q.question, expected: null, got: text, why: 'off-topic answered' });
      continue;
    }
    if (!q.scoreAnswer) continue;
    answerable++;
    scored++;
    if (refused) {
      answerableRefused++;
      misses.push({ question: q.question, expected: q.answers[0], got: '(refused)', why: 'answerable refused' });
      continue;
    }
    chars.push(text.length);
    const hit = containsGold(text, q.answers);
    if (hit) contains++;
    if (containsGoldVerbatim(text, q.answers)) verbatim++;
    else misses.push({ question: q.question, expected: q.answers[0], got: text, why: 'gold not in answer' });
    if (exactMatch(text, q.answers)) exact++;
    f1 += tokenF1(text, q.answers);
    if (body.citations.length) citedAnswers++;
    for (const c of body.citations) {
      citations++;
      // precise: the cited passage belongs to the document that holds the answer, or quotes the answer itself
      if ((q.document && owner.get(c.document_id) === q.document) || containsGold(c.quote, q.answers)) preciseCitations++;
    }
  }
  return {
    set: set.name,
    target: base,
    collection: set.collection,
    questions: { answerable: questions.filter((q) => !q.offTopic).length, off_topic: offTopic, scored_answers: scored },
    retrieval: ranks.length ? { mode: 'hybrid', ...rankingMetrics(ranks)! } : null,
    answers: {
      contains: share(contains, scored - answerableRefused),
      contains_verbatim: share(verbatim, scored - answerableRefused),
      exact: share(exact, scored - answerableRefused),
      f1: scored - answerableRefused > 0 ? round3(f1 / (scored - answerableRefused)) : null,
      median_chars: median(chars),
    },
    abstention: { off_topic_refused: share(offTopicRefused, offTopic), answerable_refused: share(answerableRefused, answerable) },
    citations: { precision: share(preciseCitations, citations), cited_answers: citedAnswers },
    latency_ms: { p50: p(wall, 50), p95: p(wall, 95), stages_p50: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, p(v, 50)])) },
    misses,
    wall_s: Math.round((performance.now() - started) / 100) / 10,
  };
}

/** Answered with the expected fact, over every answerable question (refusals count as misses). */
export function answeredWithFact(r: EvalReport): number | null {
  const { contains } = r.answers;
  const refused = r.abstention.answerable_refused;
  if (contains === null || refused === null) return null;
  return round3(contains * (1 - refused));
}

export function markdown(r: EvalReport, command: string): string {
  const f = (x: number | null | undefined) => (x === null || x === undefined ? '-' : String(x));
  const lines = [
    `# Evaluation: ${r.set}`,
    '',
    `- Command: \`${command}\``,
    `- Target: ${r.target} (collection \`${r.collection}\`), ${new Date().toISOString()}, ${r.wall_s} s`,
    `- Questions: ${r.questions.answerable} answerable (${r.questions.scored_answers} with a gold answer scored), ${r.questions.off_topic} off-topic`,
    '',
    '| metric | value |',
    '|---|---|',
    `| retrieval R@1 / R@5 / R@10 | ${f(r.retrieval?.r1)} / ${f(r.retrieval?.r5)} / ${f(r.retrieval?.r10)} |`,
    `| retrieval MRR@10 / nDCG@10 | ${f(r.retrieval?.mrr)} / ${f(r.retrieval?.ndcg)} |`,
    `| answered with the expected fact (all answerable) | ${f(answeredWithFact(r))} |`,
    `| gold contained (answered ones; articles dropped, as SQuAD normalizes) / exact / token F1 | ${f(r.answers.contains)} / ${f(r.answers.exact)} / ${f(r.answers.f1)} |`,
    `| gold contained with its articles (the figure reported before 2026-12-01) | ${f(r.answers.contains_verbatim)} |`,
    `| median answer length (characters, without [n]) | ${f(r.answers.median_chars)} |`,
    `| off-topic refused | ${f(r.abstention.off_topic_refused)} |`,
    `| answerable wrongly refused | ${f(r.abstention.answerable_refused)} |`,
    `| citation precision | ${f(r.citations.precision)} |`,
    `| ask latency p50 / p95 (ms, client) | ${f(r.latency_ms.p50)} / ${f(r.latency_ms.p95)} |`,
    `| stage p50 (ms): embed / search / generate / total | ${['embed', 'search', 'generate', 'total'].map((k) => f(r.latency_ms.stages_p50[k])).join(' / ')} |`,
    '',
    `## Misses (${r.misses.length}${r.misses.length > 60 ? ', first 60' : ''})`,
    '',
    ...r.misses.slice(0, 60).map((m) => `- **${m.why}**: ${m.question} — expected ${m.expected === null ? 'a refusal' : `"${m.expected}"`}; got: ${m.got.slice(0, 240).replace(/\n/g, ' ')}`),
  ];
  return lines.join('\n') + '\n';
}

export async function startLocal(): Promise<{ base: string; close: () => Promise<void> }> {
  // loaded lazily: --url runs need none of the app
  const { createApp } = await import('../configure-app');
  const { loadConfig } = await import('../shared/config');
  const dir = mkdtempSync(join(tmpdir(), 'acervo-eval-'));
  // the in-process app serves this run alone: its rate limit would only fail a fast run (over 1,200 questions a minute)
  const config = loadConfig({
    env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', LOG_FORMAT: 'json', RATE_LIMIT_ENABLED: process.env.RATE_LIMIT_ENABLED ?? 'false' },
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    base,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const set = loadSet(args.set ?? 'office', { docs: args.docs, collection: args.collection });
  if (!args.url && set.documents.length === 0) throw new Error('an in-process run needs documents: give --docs DIR (or --url to score a running instance)');
  const local = args.url ? undefined : await startLocal();
  const base = args.url ? args.url.replace(/\/+$/, '') : local!.base;
  try {
    const report = await runEval(set, base, args.limit ? Number(args.limit) : undefined);
    if (args.url) report.target = base;
    else report.target = 'in-process (offline defaults unless configured otherwise)';
    const out = resolve(process.env.EVAL_REPORTS_DIR ?? join(ROOT, 'reports'));
    mkdirSync(out, { recursive: true });
    const command = `npm run eval -- ${process.argv.slice(2).join(' ')}`;
    writeFileSync(join(out, `eval-${slug(report.set)}.json`), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(join(out, `eval-${slug(report.set)}.md`), markdown(report, command));
    const { misses, ...summary } = report;
    console.log(JSON.stringify({ ...summary, answered_with_fact: answeredWithFact(report), misses: misses.length }, null, 2));
    console.log(`reports written: ${join(out, `eval-${slug(report.set)}.json`)} and .md`);
    // the bundled sets, scored in-process on the defaults, are the figures docs/BENCHMARKS.md keeps
    if (!args.url && !args.limit && !args.collection && (report.set === 'squad' || report.set === 'office') && shouldWriteDocs()) {
      const body = markdown(report, command)
        .replace(/^# Evaluation: (\w+)/, `## Answers on the ${report.set === 'squad' ? 'SQuAD-pt dev' : 'bundled office'} set (\`npm run eval -- --set ${report.set}\`)`)
        .replace(/\n## Misses[\s\S]*$/, `\n- The misses are listed in reports/eval-${report.set}.md after a run.\n`);
      writeSection(`eval-${report.set}`, `${body.split('\n')[0]}\n\n${runHeader(command)}\n${body.split('\n').slice(2).join('\n')}`);
      console.log(`docs/BENCHMARKS.md updated (eval-${report.set} section)`);
    }
  } finally {
    await local?.close();
  }
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`eval failed: ${e.message}`);
    process.exit(1);
  });
}
