/*
 * `npm run eval:explain -- --set office|squad|<path.jsonl> [--docs DIR] [--misses] [--question "..."] [--limit N] [--features f.jsonl | --dump w.jsonl]`
 *
 * Why did the offline answerer answer (or refuse) what it did? For each question: the retrieved passages,
 * the question's analysis (answer type, terms and their weights) and the best sentence windows with their
 * coverage, type fit and score. With --misses, only the questions the last `npm run eval` run missed
 * (reports/eval-<set>.json). With --features <file.jsonl>, one line per question with what the abstention
 * gate sees (best coverage, missing named terms, named-term count), whether the best window holds the expected
 * answer, which window first does (holdsAt) and which passage first writes it (inPassage), to calibrate
 * `minSupport` / `shortQuestionStep` on a labelled set and to tell ranking misses from retrieval misses.
 * With --dump <file.jsonl>, one line per question with its 20 best windows: every factor of their score and
 * whether each holds the expected answer (as `npm run eval` matches it), to fit or sweep the window scoring.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { containsGold } from './eval-metrics';
import { analyzeQuestion, explainWindowParts, rankWindows } from '../modules/generation/domain/extractive';
import { loadConfig } from '../shared/config';
import { ingest, loadSet, startLocal } from './eval';

const ROOT = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const args: Record<string, string> = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    args[k] = k === 'misses' ? 'true' : argv[++i];
  }
  if (args.features) writeFileSync(args.features, '');
  if (args.dump) {
    writeFileSync(args.dump, '');
    explainWindowParts(true);
  }
  const set = loadSet(args.set ?? 'office', { docs: args.docs });
  let questions = set.questions;
  if (args.question) questions = [{ question: args.question, answers: [], offTopic: false, scoreAnswer: false }];
  else if (args.misses) {
    const file = join(ROOT, 'reports', `eval-${set.name}.json`);
    if (!existsSync(file)) throw new Error(`${file} not found: run npm run eval -- --set ${set.name} first`);
    const missed = new Set((JSON.parse(readFileSync(file, 'utf8')).misses as Array<{ question: string }>).map((m) => m.question));
    questions = questions.filter((q) => missed.has(q.question));
  }
  if (args.limit) questions = questions.slice(0, Number(args.limit));

  // the same app and upload path as `npm run eval`
  const local = await startLocal();
  const base = local.base;
  const config = loadConfig({ env: process.env });
  try {
    await ingest(base, set);
    for (const q of questions) {
      const res = await fetch(`${base}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: q.question, collection: set.collection, top_k: config.generation.ask.topK, mode: 'hybrid' }),
      });
      const hits = ((await res.json()) as { hits: Array<{ text: string; title: string; start: number; document_id: string; heading?: string }> }).hits;
      // as the ask use case hands them to the answerer
      const passages = hits.map((h, i) => ({ n: i + 1, text: h.text, title: h.title, start: h.start, documentId: h.document_id, heading: h.heading }));
      const a = analyzeQuestion(q.question);
      const windows = rankWindows(q.question, passages);
      if (args.dump) {
        appendFileSync(
          args.dump,
          `${JSON.stringify({
            question: q.question,
            offTopic: q.offTopic,
            scored: q.scoreAnswer,
            type: a.type,
            several: a.several,
            named: a.terms.filter((t) => !t.kind).length,
            windows: windows.slice(0, 20).map((w) => ({
              n: w.sentences[0].n,
              pos: w.sentences.map((s) => s.position),
              chars: w.sentences.reduce((k, s) => k + s.text.length + 1, 0),
              coverage: w.coverage,
              score: w.score,
              missing: w.missing,
              typeFit: w.typeFit,
              ...w.parts,
              text: w.sentences.map((s) => s.text).join(' ').slice(0, 300),
              holds: !q.offTopic && q.answers.length > 0 && containsGold(w.sentences.map((s) => s.text).join(' '), q.answers),
            })),
          })}\n`,
        );
        continue;
      }
      if (args.features) {
        const best = windows[0];
        const text = best ? best.sentences.map((s) => s.text).join(' ').toLowerCase() : '';
        appendFileSync(
          args.features,
          `${JSON.stringify({
            question: q.question,
            offTopic: q.offTopic,
            scored: q.scoreAnswer,
            type: a.type,
            named: a.terms.filter((t) => !t.kind).length,
            coverage: best?.coverage ?? 0,
            missing: best?.missing ?? 0,
            typeFit: best?.typeFit ?? 0,
            missed: best?.missed.map((t) => ({ word: t.word, seen: (t.matching?.size ?? 0) > 0, proper: !!t.proper })) ?? [],
            holds: q.answers.some((ans) => text.includes(ans.toLowerCase())),
            // where the expected answer is: the first window holding it (-1: none), the first passage writing it (0: none)
            holdsAt: windows.findIndex((w) => q.answers.some((ans) => w.sentences.map((s) => s.text).join(' ').toLowerCase().includes(ans.toLowerCase()))),
            inPassage: passages.find((p) => q.answers.some((ans) => p.text.toLowerCase().includes(ans.toLowerCase())))?.n ?? 0,
          })}\n`,
        );
        continue;
      }
      const asked = (await (
        await fetch(`${base}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: q.question, collection: set.collection }) })
      ).json()) as { answer: string; evidence: number; abstained: string | false };
      console.log(`\n=== ${q.question}   [expected: ${q.offTopic ? 'refusal' : q.answers.join(' | ')}]`);
      console.log(`ask: ${asked.abstained ? `(refused: ${asked.abstained})` : asked.answer.slice(0, 200)} [evidence ${asked.evidence}]`);
      console.log(`type ${a.type}${a.several ? ' (several)' : ''}; terms: ${a.terms.map((t) => `${t.word}${t.kind ? `(${t.kind})` : ''}→{${[...(t.matching ?? [])].slice(0, 4).join(',')}}`).join(' ')}`);
      passages.forEach((p) => console.log(`  [${p.n}] ${p.title}: ${p.text.replace(/\s+/g, ' ').slice(0, 160)}`));
      for (const w of windows.slice(0, Number(args.windows ?? 4))) {
        console.log(`  cov ${w.coverage.toFixed(3)} miss ${w.missing} fit ${w.typeFit} score ${w.score.toFixed(3)} [${w.sentences[0].n}] ${w.sentences.map((s) => s.text).join(' ').slice(0, 200)}`);
      }
    }
  } finally {
    await local.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
