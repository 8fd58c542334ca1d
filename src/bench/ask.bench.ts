/* Overhead of /v1/ask beyond the model: AskHandler (retrieval + evidence + packing + prompt + citation
 * verification) minus its generate_ms, against SearchHandler alone for the same questions, same run,
 * same database. Target: p50 ratio <= 1.2x. */
import { performance } from 'node:perf_hooks';
import { AskHandler } from '../modules/generation';
import { benchApp } from './bench-app';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { loadSquad } from './squad';
import { gc, markdownTable, round, summarize } from './stats';

async function main(): Promise<void> {
  const { paragraphs, questions } = loadSquad();
  const ctx = await benchApp();
  try {
    for (const p of paragraphs) {
      await ctx.ingest.execute({ collection: 'squad', title: p.article.replace(/_/g, ' '), text: p.context, sourceType: 'json', sourceId: p.id, mimeType: 'text/plain' });
    }
    const ask = ctx.app.get(AskHandler);
    const topK = ctx.config.generation.ask.topK;
    const qs = questions.map((q) => q.question);
    for (const q of qs.slice(0, 50)) {
      await ctx.search.execute({ query: q, collection: 'squad', mode: 'hybrid', topK });
      await ask.execute({ question: q, collection: 'squad' });
    }
    gc();
    const search: number[] = [];
    const askTotal: number[] = [];
    const askNoModel: number[] = [];
    const generate: number[] = [];
    let wallSearch = 0;
    let wallAsk = 0;
    // Interleaved, so both see the same machine state.
    for (const q of qs) {
      let t = performance.now();
      await ctx.search.execute({ query: q, collection: 'squad', mode: 'hybrid', topK });
      const s = performance.now() - t;
      search.push(s);
      wallSearch += s;
      t = performance.now();
      const r = await ask.execute({ question: q, collection: 'squad' });
      const a = performance.now() - t;
      wallAsk += a;
      askTotal.push(a);
      generate.push(r.timings.generate_ms);
      askNoModel.push(a - r.timings.generate_ms);
    }
    const S = summarize(search, wallSearch);
    const A = summarize(askTotal, wallAsk);
    const N = summarize(askNoModel, wallAsk);
    const G = summarize(generate, wallAsk);
    const ratio = N.p50 / S.p50;
    const table = markdownTable(
      ['measure', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'mean ms'],
      [
        ['search alone (SearchHandler, hybrid, top_k ' + topK + ')', S.n, round(S.p50), round(S.p95), round(S.p99), round(S.mean)],
        ['ask total (AskHandler, extractive)', A.n, round(A.p50), round(A.p95), round(A.p99), round(A.mean)],
        ['  of which model (generate_ms)', G.n, round(G.p50), round(G.p95), round(G.p99), round(G.mean)],
        ['ask excluding model time', N.n, round(N.p50), round(N.p95), round(N.p99), round(N.mean)],
      ],
    );
    const verdict = `p50(ask excluding model) / p50(search alone) = **${round(ratio, 2)}x** (target <= 1.2x: ${ratio <= 1.2 ? 'met' : 'NOT met'})`;
    const body = [
      '## /v1/ask overhead (`npm run bench:ask`)',
      '',
      runHeader('npm run bench:ask'),
      `- Corpus: SQuAD-pt dev, ${paragraphs.length} paragraphs; ${qs.length} questions, each asked once after 50 warm-up pairs; search and ask interleaved per question`,
      '- "ask excluding model" = AskHandler wall time minus its generate_ms: retrieval (with reranking) + evidence (the best sentence window, ranked once and shared with the extractive answer) + context packing (token counting) + prompt + citation verification',
      '',
      table,
      '',
      verdict,
    ].join('\n');
    console.log(body);
    if (shouldWriteDocs()) writeSection('ask', body);
  } finally {
    await ctx.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
