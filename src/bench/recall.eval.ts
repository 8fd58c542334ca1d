/* Recall of /v1/search on SQuAD-pt dev (217 paragraphs, 1,483 questions): R@1, R@5, R@10, MRR@10 per mode. */
import { performance } from 'node:perf_hooks';
import { benchApp, BenchContext } from './bench-app';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { markdownTable, round } from './stats';
import { loadSquad, recallReport, RecallReport, SquadParagraph } from './squad';
import type { SearchMode } from '../modules/retrieval';

/** A question as typed without accents ("aprovacao"), as users often do. */
const withoutAccents = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');

/** Ingests each paragraph as a document of the collection `squad` (default chunking); returns paragraph ids by document id. */
export async function ingestSquad(ctx: BenchContext, paragraphs: SquadParagraph[]): Promise<Map<string, string>> {
  const idByDoc = new Map<string, string>();
  for (const p of paragraphs) {
    const r = await ctx.ingest.execute({ collection: 'squad', title: p.article.replace(/_/g, ' '), text: p.context, sourceType: 'json', sourceId: p.id, mimeType: 'text/plain' });
    idByDoc.set(r.id, p.id);
  }
  return idByDoc;
}

export async function evaluateRecall(
  modes: SearchMode[] = ['text', 'vector', 'hybrid'],
  limit?: number,
  /** Modes also run with every question's accents removed (reported as "<mode>, no accents"). */
  unaccentedModes: SearchMode[] = ['text', 'hybrid'],
): Promise<RecallReport[]> {
  const { paragraphs, questions } = loadSquad();
  const ctx = await benchApp();
  try {
    const idByDoc = await ingestSquad(ctx, paragraphs);
    const qs = limit ? questions.slice(0, limit) : questions;
    const reports: RecallReport[] = [];
    const runs = [...modes.map((mode) => ({ mode, fold: false })), ...unaccentedModes.map((mode) => ({ mode, fold: true }))];
    for (const { mode, fold } of runs) {
      const ranked: Array<{ gold: string; got: string[] }> = [];
      for (const q of qs) {
        const res = await ctx.search.execute({ query: fold ? withoutAccents(q.question) : q.question, collection: 'squad', mode, topK: 30 });
        const got: string[] = [];
        for (const h of res.hits) {
          const pid = idByDoc.get(h.documentId)!;
          if (!got.includes(pid)) got.push(pid);
        }
        ranked.push({ gold: q.paragraphId, got });
      }
      reports.push(recallReport(fold ? `${mode}, no accents` : mode, ranked));
    }
    return reports;
  } finally {
    await ctx.close();
  }
}

/** The BM25 reference on this file (R@1, R@5); the recall e2e test fails unless hybrid beats both. */
const BM25_REFERENCE = { r1: 0.69, r5: 0.893 };

if (require.main === module) {
  const started = performance.now();
  evaluateRecall()
    .then((reports) => {
      const f = (x: number) => String(round(x, 3));
      const table = markdownTable(
        ['mode', 'questions', 'R@1', 'R@5', 'R@10', 'MRR@10'],
        reports.map((r) => [r.mode, r.questions, f(r.r1), f(r.r5), f(r.r10), f(r.mrr10)]),
      );
      const hybrid = reports.find((r) => r.mode === 'hybrid')!;
      const beats = hybrid.r1 > BM25_REFERENCE.r1 && hybrid.r5 > BM25_REFERENCE.r5;
      console.log(`\n${table}\n\nBM25 reference on this file: R@1 ${BM25_REFERENCE.r1}, R@5 ${BM25_REFERENCE.r5}; hybrid ${beats ? 'beats' : 'does NOT beat'} it`);
      if (shouldWriteDocs()) {
        writeSection(
          'recall',
          `## Recall on SQuAD-pt dev (\`npm run eval:recall\`)

${runHeader('npm run eval:recall')}
- Corpus: the 217 paragraphs of \`test/fixtures/datasets/squad-pt/dev.json\` ingested as documents through IngestTextHandler (default chunking); 1,483 questions, each searched with top_k 30 in every mode; hits are mapped to their paragraph and de-duplicated, so R@k is "the question's paragraph is among the first k distinct paragraphs"
- Embedder: hashing (384 dimensions, the offline default); fusion: weighted RRF from \`config/default.yaml\`; text search configuration \`portuguese_unaccent\` (accents folded before stemming; with plain \`portuguese\`, questions typed without accents scored hybrid R@1 0.654, R@5 0.848, against 0.717 / 0.907 with accents)
- "no accents": the same questions with every accent removed ("aprovacao"), as users often type them
- Total wall time: ${round((performance.now() - started) / 1000, 1)} s (plus \`nest build\`)

${table}

- BM25 reference given for this file: R@1 ${BM25_REFERENCE.r1}, R@5 ${BM25_REFERENCE.r5}; hybrid ${beats ? '**beats it on both**' : '**does not beat it**'} (R@1 ${f(hybrid.r1)}, R@5 ${f(hybrid.r5)})`,
        );
        console.log('docs/BENCHMARKS.md updated (recall section)');
      }
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
