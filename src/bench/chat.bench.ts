/* Overhead of /v1/chat beyond the model, against /v1/ask's on the same questions, same run, same database:
 * ChatHandler (memory read, follow-up rewrite, routing, the grounded answer, the turn and its usage rows written
 * in one transaction) minus its generate_ms, against AskHandler minus its generate_ms. Every question opens a
 * conversation and a follow-up continues it, so memory is read and written as a user's chat would. Target: p50
 * ratio <= 1.3x. */
import { performance } from 'node:perf_hooks';
import { ChatHandler } from '../modules/conversation';
import { AskHandler } from '../modules/generation';
import { benchApp } from './bench-app';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { loadSquad } from './squad';
import { gc, markdownTable, round, summarize } from './stats';

const QUESTIONS = Number(process.env.BENCH_CHAT_QUESTIONS ?? 400);

async function main(): Promise<void> {
  const { paragraphs, questions } = loadSquad();
  const ctx = await benchApp();
  try {
    for (const p of paragraphs) {
      await ctx.ingest.execute({ collection: 'squad', title: p.article.replace(/_/g, ' '), text: p.context, sourceType: 'json', sourceId: p.id, mimeType: 'text/plain' });
    }
    const ask = ctx.app.get(AskHandler);
    const chat = ctx.app.get(ChatHandler);
    const qs = questions.map((q) => q.question).slice(0, QUESTIONS);
    for (const [i, q] of qs.slice(0, 30).entries()) {
      await ask.execute({ question: q, collection: 'squad' });
      await chat.execute({ userId: `warm-${i}`, message: q, collection: 'squad' });
    }
    gc();
    const askNoModel: number[] = [];
    const chatNoModel: number[] = [];
    const chatTotal: number[] = [];
    let wallAsk = 0;
    let wallChat = 0;
    let conversation: string | undefined;
    // Interleaved, so both see the same machine state. Every other question continues the conversation the one
    // before it opened (memory read, rewrite rules, summary folding); the others open a new one.
    for (const [i, q] of qs.entries()) {
      let t = performance.now();
      const a = await ask.execute({ question: q, collection: 'squad' });
      const at = performance.now() - t;
      wallAsk += at;
      askNoModel.push(at - a.timings.generate_ms);
      t = performance.now();
      const c = await chat.execute({ userId: `bench-${i >> 1}`, message: q, collection: 'squad', conversationId: i % 2 ? conversation : undefined });
      const ct = performance.now() - t;
      conversation = c.conversation_id;
      wallChat += ct;
      chatTotal.push(ct);
      chatNoModel.push(ct - c.timings.generate_ms);
    }
    const A = summarize(askNoModel, wallAsk);
    const C = summarize(chatNoModel, wallChat);
    const T = summarize(chatTotal, wallChat);
    const ratio = C.p50 / A.p50;
    const table = markdownTable(
      ['measure', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'mean ms'],
      [
        ['ask excluding model time (AskHandler, extractive)', A.n, round(A.p50), round(A.p95), round(A.p99), round(A.mean)],
        ['chat total (ChatHandler, extractive)', T.n, round(T.p50), round(T.p95), round(T.p99), round(T.mean)],
        ['chat excluding model time', C.n, round(C.p50), round(C.p95), round(C.p99), round(C.mean)],
      ],
    );
    const verdict = `p50(chat excluding model) / p50(ask excluding model) = **${round(ratio, 2)}x** (target <= 1.3x: ${ratio <= 1.3 ? 'met' : 'NOT met'})`;
    const body = [
      '## /v1/chat overhead (`npm run bench:chat`)',
      '',
      runHeader('npm run bench:chat'),
      `- Corpus: SQuAD-pt dev, ${paragraphs.length} paragraphs; ${qs.length} questions, each asked once through AskHandler and once through ChatHandler (interleaved) after 30 warm-up pairs; every second chat message continues the conversation the previous one opened`,
      '- "chat excluding model" = ChatHandler wall time minus its generate_ms: memory read (conversation, recent turns), follow-up rewrite, routing, retrieval and the grounded answer, the turn, summary and usage rows written in one transaction',
      '',
      table,
      '',
      verdict,
    ].join('\n');
    console.log(body);
    if (shouldWriteDocs()) writeSection('chat', body);
  } finally {
    await ctx.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
