/* Recall of /v1/search on SQuAD-pt dev (217 paragraphs, 1,483 questions): R@1, R@5, R@10, MRR@10 per mode. */
import { benchApp } from './bench-app';
import { loadSquad, recallReport, RecallReport } from './squad';
import type { SearchMode } from '../modules/retrieval';

export async function evaluateRecall(modes: SearchMode[] = ['text', 'vector', 'hybrid'], limit?: number): Promise<RecallReport[]> {
  const { paragraphs, questions } = loadSquad();
  const ctx = await benchApp();
  try {
    const idByDoc = new Map<string, string>();
    for (const p of paragraphs) {
      const r = await ctx.ingest.execute({ collection: 'squad', title: p.article.replace(/_/g, ' '), text: p.context, sourceType: 'json', sourceId: p.id, mimeType: 'text/plain' });
      idByDoc.set(r.id, p.id);
    }
    const qs = limit ? questions.slice(0, limit) : questions;
    const reports: RecallReport[] = [];
    for (const mode of modes) {
      const ranked: Array<{ gold: string; got: string[] }> = [];
      for (const q of qs) {
        const res = await ctx.search.execute({ query: q.question, collection: 'squad', mode, topK: 30 });
        const got: string[] = [];
        for (const h of res.hits) {
          const pid = idByDoc.get(h.documentId)!;
          if (!got.includes(pid)) got.push(pid);
        }
        ranked.push({ gold: q.paragraphId, got });
      }
      reports.push(recallReport(mode, ranked));
    }
    return reports;
  } finally {
    await ctx.close();
  }
}

if (require.main === module) {
  evaluateRecall()
    .then((reports) => {
      console.table(reports);
      console.log('BM25 reference on this file: R@1 0.690, R@5 0.893, MRR@10 0.776');
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
