import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { LongOperationLane } from '../../../../shared/jobs';
import { tokenCounterFor } from '../../../../shared/text/tokens';
import { UsageRecorder } from '../../../metrics';
import { SearchHandler } from '../../../retrieval';
import { Passage, verifyCitations } from '../../domain/citations';
import { packContext } from '../../domain/context-packing';
import { fold } from '../../../../shared/text/lexical';
import { answerEvidence } from '../../domain/extractive';
import { LlmRegistry } from '../models/llm-registry.service';
import { ChatMessage, cutReason, Generation, LlmProvider } from '../ports/llm-provider.port';
import { AskCommand, AskEvent, AskResult } from './ask.types';
import { unfinishedCall } from '../usage/unfinished-call';

const ms = (from: number) => Math.round((performance.now() - from) * 100) / 100;

interface Prepared {
  started: number;
  llm: LlmProvider;
  passages: Passage[];
  messages: ChatMessage[];
  evidence: number;
  embedMs: number;
  searchMs: number;
}

/**
 * Grounded answers: hybrid retrieval -> evidence check -> context packed to a token budget ->
 * prompt from config templates -> the active LLM -> citations verified against their passages.
 */
@Injectable()
export class AskHandler {
  /**
   * Answers take turns here, in arrival order, at most generation.ask.concurrency at once (0: one per CPU): the
   * retrieval, the evidence and an in-process answerer are this process's CPU. Shared by all at once, each answer
   * would take as long as its share of the CPU allows, so under load a heavy question (3-5x the median's work)
   * waited 3-5x as long as the others; in turn, each waits about the same and then runs at full speed. A model
   * behind the network is waited for outside the lane.
   */
  private readonly lane: LongOperationLane;

  constructor(
    private readonly search: SearchHandler,
    private readonly llms: LlmRegistry,
    private readonly usage: UsageRecorder,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.lane = new LongOperationLane(() => this.config.generation.ask.concurrency || availableParallelism());
  }

  async execute(cmd: AskCommand): Promise<AskResult> {
    const started = performance.now();
    await this.embedBeforeTurn(cmd);
    const release = await this.lane.acquire(cmd.signal);
    try {
      const p = await this.prepare(cmd, started);
      if (p.evidence < this.config.generation.ask.minEvidence) return this.observed(cmd, p, this.abstain(p, 'no_evidence'));
      if (p.llm.info.kind !== 'extractive') release();
      const t = performance.now();
      const generation = await this.failureRecorded(cmd, p, t, p.llm.generate(p.messages, this.options(cmd, p)));
      return this.observed(cmd, p, this.finish(p, generation, ms(t)), generation);
    } finally {
      release();
    }
  }

  async *stream(cmd: AskCommand): AsyncIterable<AskEvent> {
    const started = performance.now();
    await this.embedBeforeTurn(cmd);
    // the lane covers the retrieval and the evidence (the extractive ranking, which the answer then reuses); the
    // stream goes at its reader's pace, outside it
    const p = await this.lane.run(() => this.prepare(cmd, started), cmd.signal);
    if (p.evidence < this.config.generation.ask.minEvidence) {
      const result = this.observed(cmd, p, this.abstain(p, 'no_evidence'));
      yield { type: 'token', text: result.answer };
      yield { type: 'done', result };
      return;
    }
    const t = performance.now();
    const called = !cmd.signal?.aborted; // a request already gone never reaches the provider
    let generation: Generation | undefined;
    let streamed = '';
    let failure: unknown;
    try {
      for await (const event of p.llm.stream(p.messages, this.options(cmd, p))) {
        if (event.type === 'delta') {
          streamed += event.text;
          if (event.text) yield { type: 'token', text: event.text };
        } else generation = event.generation;
      }
      if (!generation) throw new Error('LLM stream ended without a final event');
    } catch (e) {
      failure = e;
      throw e;
    } finally {
      // failed, or left at a `yield` by a reader that went away (the client closed the stream)
      if (!generation && called) this.recordFailure(cmd, p, t, failure, streamed);
    }
    const result = this.observed(cmd, p, this.finish(p, generation, ms(t)), generation);
    for (const citation of result.citations) yield { type: 'citation', citation };
    yield { type: 'done', result };
  }

  /**
   * Stage timings into the metrics (embed, search, generate) and, when a model was called, one usage row for it,
   * written off the request path (operation `ask`, with the request's stage timings); when none was, a row of the
   * stage timings alone (no_model_call).
   */
  private observed(cmd: AskCommand, p: Prepared, result: AskResult, generation?: Generation): AskResult {
    const stages = { embed: result.timings.embed_ms, search: result.timings.search_ms, ...(generation ? { generate: result.timings.generate_ms } : {}) };
    this.usage.observeStages(stages);
    if (generation && cmd.recordUsage !== false) {
      this.usage.record([
        {
          operation: 'ask',
          modelId: generation.model,
          promptTokens: generation.usage.promptTokens,
          completionTokens: generation.usage.completionTokens,
          ms: result.timings.generate_ms,
          userId: cmd.userId,
          requestId: cmd.requestId,
          stages,
        },
      ]);
    } else if (cmd.recordUsage !== false) {
      // no model call (no evidence, the refusal): the request's embed and search stages in a row of their own
      this.usage.recordWithoutModel({ stages, userId: cmd.userId, requestId: cmd.requestId });
    }
    return result;
  }

  private async failureRecorded<T>(cmd: AskCommand, p: Prepared, started: number, call: Promise<T>): Promise<T> {
    const called = !cmd.signal?.aborted;
    try {
      return await call;
    } catch (e) {
      if (called) this.recordFailure(cmd, p, started, e, '');
      throw e;
    }
  }

  /**
   * A failed model call is a usage row too (tokens 0, its error code); so is one the client cut (CLIENT_CLOSED, its
   * prompt and streamed text estimated: the provider bills them). With recordUsage false the caller gets it.
   */
  private recordFailure(cmd: AskCommand, p: Prepared, started: number, e: unknown, streamed: string): void {
    const call = unfinishedCall(p.llm, p.messages, streamed, ms(started), e, cmd.signal);
    if (cmd.recordUsage === false) {
      cmd.onUnfinishedCall?.(call);
      return;
    }
    this.usage.record([{ operation: 'ask', modelId: call.model, promptTokens: call.promptTokens, completionTokens: call.completionTokens, ms: call.ms, userId: cmd.userId, requestId: cmd.requestId, error: call.error }]);
  }

  /** Sampling settings are the provider's own (config, or what an admin swap set); only the request's signal and evidence go here. */
  private options(cmd: AskCommand, p: Prepared) {
    return {
      signal: cmd.signal,
      grounding: { question: cmd.question, passages: p.passages.map(({ n, text, title, start, documentId, heading }) => ({ n, text, title, start, documentId, heading })) },
    };
  }

  /**
   * The question's embedding, before the turn: a network embedder is waited for outside the lane, and the search in
   * the lane finds it in the query-embedding cache (cache.embeddings; with that cache off, the search embeds again).
   */
  private async embedBeforeTurn(cmd: AskCommand): Promise<void> {
    if (this.config.cache.embeddings.maxEntries > 0) await this.search.embedQuery(cmd.collection, cmd.question);
  }

  private async prepare(cmd: AskCommand, started: number): Promise<Prepared> {
    const ask = this.config.generation.ask;
    const llm = this.llms.current(); // held for the whole request: a hot swap does not affect it
    const found = await this.search.execute({ query: cmd.question, collection: cmd.collection, topK: cmd.topK ?? ask.topK, filters: cmd.filters, mode: 'hybrid' });
    const tokens = tokenCounterFor(llm.info.model);
    const render = (h: { title: string; text: string }, n: number) => fill(ask.templates.passage, { n: String(n), title: h.title, text: h.text });
    const packed = packContext(found.hits, ask.contextTokens, tokens.count, render);
    const passages: Passage[] = packed.map((h) => ({ n: h.n, documentId: h.documentId, chunkId: h.chunkId, title: h.title, text: h.text, score: h.score, start: h.start, ...(h.heading ? { heading: h.heading } : {}) }));
    const context = packed.map((h) => render(h, h.n)).join('\n\n');
    const vars = { refusal: ask.refusal, question: cmd.question, context, language: ask.language };
    return {
      started,
      llm,
      passages,
      messages: [
        { role: 'system', content: fill(ask.templates.system, vars) },
        { role: 'user', content: fill(ask.templates.user, vars) },
      ],
      // The best sentence window's coverage of the question's content (interrogatives and scaffolding are not evidence).
      evidence: answerEvidence(cmd.question, passages),
      embedMs: found.timings.embed_ms,
      searchMs: found.timings.search_ms,
    };
  }

  private finish(p: Prepared, generation: Generation, generateMs: number): AskResult {
    const ask = this.config.generation.ask;
    const declined = !generation.text.trim() || ask.refusalPatterns.some((re) => new RegExp(fold(re), 'i').test(fold(generation.text)));
    // the extractive answerer declines exactly when no sentence covers enough of the question: weak evidence
    if (declined) return this.abstain(p, p.llm.info.kind === 'extractive' ? 'no_evidence' : 'model_declined', generation, generateMs);
    const report = verifyCitations(generation.text, p.passages, ask.citationSupport);
    return {
      answer: report.answer,
      citations: report.citations.map((c) => ({
        n: c.n,
        document_id: c.documentId,
        title: c.title,
        chunk_id: c.chunkId,
        quote: c.quote,
        score: c.score,
        support: c.support,
      })),
      model: generation.model,
      usage: usage(generation),
      timings: this.timings(p, generateMs),
      grounded: report.citations.length > 0,
      citations_verified: report.dropped === 0,
      citations_dropped: report.dropped,
      evidence: p.evidence,
      ...(cutReason(generation) ? { truncated: cutReason(generation) } : {}),
    };
  }

  private abstain(p: Prepared, why: 'no_evidence' | 'model_declined', generation?: Generation, generateMs = 0): AskResult {
    return {
      answer: this.config.generation.ask.refusal,
      citations: [],
      model: generation?.model ?? p.llm.info.modelId,
      usage: generation ? usage(generation) : { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      timings: this.timings(p, generateMs),
      grounded: false,
      citations_verified: true,
      citations_dropped: 0,
      abstained: why,
      evidence: p.evidence,
    };
  }

  private timings(p: Prepared, generateMs: number) {
    return { embed_ms: p.embedMs, search_ms: p.searchMs, generate_ms: generateMs, total_ms: ms(p.started) };
  }
}

function usage(g: Generation) {
  return { prompt_tokens: g.usage.promptTokens, completion_tokens: g.usage.completionTokens, total_tokens: g.usage.promptTokens + g.usage.completionTokens };
}

/** {name} placeholders; unknown names are left as they are. */
export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? vars[k] : m));
}
