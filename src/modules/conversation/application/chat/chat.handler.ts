import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { DomainError } from '../../../../shared/errors/domain-error';
import { iterateAs } from '../../../../shared/logging';
import { withoutNul } from '../../../../shared/text/nul';
import { estimateTokens } from '../../../../shared/text/tokens';
import { AskResult, ChatMessage, CutReason, cutReason, fill, Generation, LlmProvider, LlmRegistry, UnfinishedCall, unfinishedCall, verifyCitations } from '../../../generation';
import { StageTimings, sumCosts, UsageRecorder } from '../../../metrics';
import { DEFAULT_COLLECTION } from '../../../retrieval';
import { ChatCitation, Conversation, foldIntoSummary, StoredMessage, titleFrom, ToolCallRecord } from '../../domain/conversation';
import { BlankMessageError, CollectionMismatchError, ConversationForgottenError, ConversationNotFoundError, MessageTooLongError } from '../../domain/conversation.errors';
import { isBlankMessage, messageLength } from '../../domain/message';
import { PreviousTurn, rewriteFollowUp } from '../../domain/follow-up';
import { isSmalltalk, Route, routeMessage } from '../../domain/intent-router';
import { CONVERSATION_STORE, ConversationStore } from '../ports/conversation-store.port';
import { Tool, TOOLS, ToolContext, ToolOutput, ToolPassage } from '../ports/tool.port';
import { KnowledgeBaseTool } from '../tools/knowledge-base.tool';
import { SalesDataTool } from '../tools/sales-data.tool';
import { ChatCommand, ChatEvent, ChatResult } from './chat.types';

/** What a turn answers, before it is stored. */
type Answer = { text: string; citations: ChatCitation[]; model: string; abstained?: string; truncated?: CutReason; route: ChatResult['route'] };

const round2 = (v: number) => Math.round(v * 100) / 100;
const ms = (from: number) => round2(performance.now() - from);

/** Replies of the offline router's `smalltalk` rule (greetings and thanks need no tool). */
const SMALLTALK_REPLY = {
  thanks: 'De nada! Se precisar, pergunte sobre os documentos, as vendas ou cotações de moedas.',
  hello: 'Olá! Posso responder com base nos documentos da empresa, consultar os dados de vendas e cotações de moedas. O que você precisa?',
};

interface Turn {
  cmd: ChatCommand;
  started: number;
  llm: LlmProvider;
  conversation: Conversation | null;
  conversationId: string;
  collection: string;
  /** The enabled tools this caller may use (Tool.permits): the only ones offered and run. */
  tools: Tool[];
  stored: StoredMessage[];
  /** The user's forget count when a turn that starts a conversation began (a forget since then: nothing is stored). */
  forgets: number;
  summary: string;
  /** The context messages: recent turns of memory (or the client's history), then this message. */
  window: ChatMessage[];
  previous: PreviousTurn | undefined;
  rewritten: string | null;
  calls: Array<{ operation: string; model: string; promptTokens: number; completionTokens: number; ms: number }>;
  /** The model call under way (its prompt and what it streamed so far), recorded if the turn ends in it. */
  inFlight?: { operation: string; started: number; messages: ChatMessage[]; streamed: string };
  /** The knowledge base's answer call that failed or was cut (the /v1/ask pipeline reports it). */
  unfinished?: UnfinishedCall;
  /** The usage rows are written (finish did it). */
  recorded: boolean;
  toolCalls: ToolCallRecord[];
  timings: { retrieve_ms: number; tool_ms: number; generate_ms: number };
  /** The knowledge-base searches' embed and search stages (ms), once one ran: on the turn's usage row, as /v1/ask's. */
  searched?: { embed: number; search: number };
}

/**
 * One chat turn: memory (recent turns + rolling summary, Postgres) -> follow-up rewritten into a standalone
 * query -> the agent decides: a tool-calling model chooses tools itself (LangChain tool calling, at most
 * conversation.agent.maxToolSteps); any other model goes through the transparent Portuguese router ->
 * knowledge base (the grounded /v1/ask pipeline), sales_data, market_data, or the conversation alone ->
 * the user message and its reply stored together with the new summary, one usage row per model call
 * (written in the background). When the turn fails or the client goes away, nothing of the conversation is
 * written, but the model calls made are (the provider billed them): the finished ones, and the one that failed
 * (0 tokens, its error code) or was cut (CLIENT_CLOSED, tokens estimated).
 */
@Injectable()
export class ChatHandler {
  private readonly logger = new Logger('Chat');

  constructor(
    @Inject(CONVERSATION_STORE) private readonly store: ConversationStore,
    @Inject(TOOLS) private readonly tools: Tool[],
    private readonly knowledgeBase: KnowledgeBaseTool,
    private readonly sales: SalesDataTool,
    private readonly llms: LlmRegistry,
    private readonly usage: UsageRecorder,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(cmd: ChatCommand): Promise<ChatResult> {
    for await (const event of this.stream(cmd)) if (event.type === 'done') return event.result;
    throw new Error('chat turn ended without a result');
  }

  /**
   * The turn's events. Whatever it records down the line (its query embeddings) is the caller's user's and carries
   * the turn's request id, whether the turn is read by an HTTP request, a WebSocket message or a body `user_id` in
   * open mode (iterateAs).
   */
  stream(cmd: ChatCommand): AsyncIterable<ChatEvent> {
    return iterateAs(cmd.userId, cmd.requestId, this.events(cmd));
  }

  private async *events(cmd: ChatCommand): AsyncIterable<ChatEvent> {
    const turn = await this.begin(cmd);
    const llm = turn.llm;
    let failure: unknown;
    try {
      turn.rewritten = await this.rewrite(turn, turn.previous);
      let answer: Answer;
      if (llm.info.kind === 'llm' && llm.info.capabilities.toolCalling) {
        answer = yield* this.toolCallingAgent(turn);
      } else {
        answer = yield* this.routedAgent(turn);
      }
      const result = await this.finish(turn, answer);
      for (const citation of result.citations) yield { type: 'citation', citation };
      yield { type: 'done', result };
    } catch (e) {
      failure = e;
      throw e;
    } finally {
      // failed, or left at a `yield` by a reader that went away: the model calls made are billed all the same
      if (!turn.recorded) this.recordUnfinished(turn, failure);
    }
  }

  /** The usage rows of a turn that did not finish: its finished model calls, and the one it ended in. */
  private recordUnfinished(turn: Turn, failure: unknown): void {
    const { cmd } = turn;
    const ended = turn.inFlight
      ? { operation: turn.inFlight.operation, ...unfinishedCall(turn.llm, turn.inFlight.messages, turn.inFlight.streamed, ms(turn.inFlight.started), failure, cmd.signal) }
      : turn.unfinished && { operation: 'chat', ...turn.unfinished };
    const rows = [
      ...turn.calls.map((c) => ({ operation: c.operation, modelId: c.model, promptTokens: c.promptTokens, completionTokens: c.completionTokens, ms: c.ms })),
      ...(ended ? [{ operation: ended.operation, modelId: ended.model, promptTokens: ended.promptTokens, completionTokens: ended.completionTokens, ms: ended.ms, error: ended.error }] : []),
    ];
    // the conversation only when it exists (a first turn that failed created none)
    const who = { userId: cmd.userId, conversationId: turn.conversation ? turn.conversationId : undefined, requestId: cmd.requestId };
    const ran = this.stagesAndTools(turn);
    if (!rows.length) return this.usage.recordWithoutModel({ ...ran, ...who });
    // the tools the turn ran ride on its last call's row, as in a finished turn
    this.usage.record(rows.map((r, i) => ({ ...r, ...who, ...(i === rows.length - 1 ? ran : {}) })));
  }

  /** The turn's stage timings and tool runs, for the usage row that carries them (the reports' stages and tools). */
  private stagesAndTools(turn: Turn): { stages: StageTimings; tools: Array<{ name: string; ok: boolean }> } {
    const stages: StageTimings = {
      ...(turn.calls.length || turn.inFlight || turn.unfinished ? { generate: turn.timings.generate_ms } : {}),
      ...(turn.timings.tool_ms ? { tool: turn.timings.tool_ms } : {}),
      ...turn.searched,
    };
    return { stages, tools: turn.toolCalls.map((t) => ({ name: t.name, ok: t.ok })) };
  }

  private async begin(given: ChatCommand): Promise<Turn> {
    const started = performance.now();
    const cfg = this.config.conversation;
    // Postgres text cannot hold U+0000: the message (and the client's history) are used and stored without it.
    const cmd: ChatCommand = { ...given, message: withoutNul(given.message), history: given.history?.map((m) => ({ ...m, content: withoutNul(m.content) })) };
    if (isBlankMessage(cmd.message)) throw new BlankMessageError();
    const length = cmd.message.length > cfg.maxMessageChars ? messageLength(cmd.message) : 0;
    if (length > cfg.maxMessageChars) throw new MessageTooLongError(cfg.maxMessageChars, length);
    const llm = this.llms.current(); // held for the whole turn: a hot swap does not affect it
    const conversation = cmd.conversationId ? await this.store.find(cmd.conversationId, cmd.userId) : null;
    if (cmd.conversationId && !conversation && !cmd.mayCreate) throw new ConversationNotFoundError(cmd.conversationId);
    // A derived id the OpenAI route creates, taken by another user: the 404 of an unknown one before any work
    // (appendTurn refuses it too, for an id taken meanwhile).
    if (cmd.conversationId && !conversation && (cmd.persist ?? true) && (await this.store.takenByAnother(cmd.conversationId, cmd.userId))) throw new ConversationNotFoundError(cmd.conversationId);
    // A conversation stays in its collection (the one its access was checked on); naming another is refused.
    if (conversation && cmd.collection && cmd.collection !== conversation.collection) throw new CollectionMismatchError(conversation.id, conversation.collection, cmd.collection);
    const stored = conversation ? await this.store.messages(conversation.id, conversation.summarizedCount) : [];
    const history: ChatMessage[] = cmd.history ?? stored.map((m) => ({ role: m.role, content: m.content }));
    const turn: Turn = {
      cmd,
      started,
      llm,
      conversation,
      conversationId: conversation?.id ?? cmd.conversationId ?? randomUUID(),
      collection: cmd.collection ?? conversation?.collection ?? DEFAULT_COLLECTION,
      tools: this.tools.filter((t) => !t.permits || t.permits(cmd.caller)),
      stored,
      forgets: !conversation && (cmd.persist ?? true) ? await this.store.forgetCount(cmd.userId) : 0,
      summary: cmd.history ? '' : (conversation?.summary ?? ''),
      window: [...history.slice(-cfg.memory.windowTurns * 2), { role: 'user', content: cmd.message }],
      previous: previousTurn(stored, history),
      rewritten: null,
      calls: [],
      toolCalls: [],
      timings: { retrieve_ms: 0, tool_ms: 0, generate_ms: 0 },
      recorded: false,
    };
    return turn;
  }

  /** The follow-up as a standalone query: by the model when there is one, by the documented rules otherwise. */
  private async rewrite(turn: Turn, previous: PreviousTurn | undefined): Promise<string | null> {
    const message = turn.cmd.message.trim();
    if (!previous) return null;
    if (turn.llm.info.kind !== 'llm') {
      const r = rewriteFollowUp(message, previous, new Date());
      return r.rule === 'standalone' ? null : r.query;
    }
    const history = turn.window
      .slice(0, -1)
      .map((m) => `${m.role === 'user' ? 'Usuário' : 'Assistente'}: ${m.content}`)
      .join('\n');
    const g = await this.generate(turn, 'rewrite', [{ role: 'user', content: fill(this.config.conversation.templates.rewrite, { history, message }) }]);
    const text = g.text.trim().replace(/^["“]|["”]$/g, '');
    return text && text !== message ? text.slice(0, this.config.conversation.maxMessageChars) : null;
  }

  /** A tool-calling model decides: it asks for tools (run here, at most maxToolSteps rounds of maxToolCalls each), then answers. */
  private async *toolCallingAgent(turn: Turn): AsyncGenerator<ChatEvent, Answer> {
    const cfg = this.config.conversation;
    const system = fill(cfg.templates.system, {
      refusal: this.config.generation.ask.refusal,
      summary: turn.summary ? `Resumo da conversa até aqui:\n${turn.summary}` : '',
    });
    const messages: ChatMessage[] = [{ role: 'system', content: system }, ...turn.window];
    const definitions = turn.tools.map((t) => t.definition);
    const passages: ToolPassage[] = [];
    let final: Generation | undefined;
    for (let step = 0; step < cfg.agent.maxToolSteps && !final; step++) {
      const g = await this.generate(turn, 'chat', messages, definitions);
      if (!g.toolCalls?.length) {
        final = g;
        break;
      }
      messages.push({ role: 'assistant', content: g.text, toolCalls: g.toolCalls });
      for (const [i, call] of g.toolCalls.entries()) {
        // Not run, and the model is told (it may call again or answer): a call past conversation.agent.maxToolCalls in
        // this reply (a reply of 200 calls is not 200 searches), or one whose arguments are unreadable (malformed JSON).
        const skipped =
          i >= cfg.agent.maxToolCalls
            ? { error: `limite de ${cfg.agent.maxToolCalls} chamadas de ferramenta por resposta atingido; esta chamada não foi executada`, hint: 'Responda com os resultados que já tem.' }
            : call.invalid !== undefined
              ? { error: 'argumentos inválidos (não são um JSON válido)', hint: 'Chame a ferramenta de novo com argumentos JSON válidos, ou responda sem ela.' }
              : undefined;
        if (skipped) {
          const record: ToolCallRecord = { name: call.name, arguments: {}, ok: false, ms: 0, error: skipped.error, chosen_by: 'model' };
          turn.toolCalls.push(record);
          yield { type: 'tool_call', call: record };
          messages.push({ role: 'tool', toolCallId: call.id, content: `ERRO: ${skipped.error}. ${skipped.hint}` });
          continue;
        }
        const { record, output } = await this.runTool(turn, call.name, call.arguments, 'model', passages.length + 1);
        yield { type: 'tool_call', call: record };
        if (output?.passages) passages.push(...output.passages);
        messages.push({ role: 'tool', toolCallId: call.id, content: output ? output.content : `ERRO: ${record.error}` });
      }
    }
    // Out of tool steps: the model answers with what it has.
    final ??= await this.generate(turn, 'chat', messages);
    let text = final.text.trim();
    let citations: ChatCitation[] = [];
    if (passages.length && text) {
      const report = verifyCitations(text, passages, this.config.generation.ask.citationSupport);
      text = report.answer;
      citations = report.citations.map((c) => ({ n: c.n, document_id: c.documentId, title: c.title, chunk_id: c.chunkId, quote: c.quote, score: c.score, support: c.support }));
    }
    const answer = this.declinedIfEmpty(text, final);
    for (const part of words(answer.text)) yield { type: 'token', text: part };
    return { ...answer, citations, model: final.model, route: { decided_by: 'model', rule: null } };
  }

  /**
   * A model that answers nothing (no text, no tool call) declines: the refusal, as /v1/ask gives it; never an empty reply.
   * An answer the model stopped short (token limit, content filter) says so.
   */
  private declinedIfEmpty(text: string, g: Generation): { text: string; abstained?: string; truncated?: CutReason } {
    const cut = cutReason(g);
    return text ? { text, ...(cut ? { truncated: cut } : {}) } : { text: this.config.generation.ask.refusal, abstained: 'model_declined' };
  }

  /** Any other model: the Portuguese router picks the tool; the answer comes from it (and the model, if any). */
  private async *routedAgent(
    turn: Turn,
  ): AsyncGenerator<ChatEvent, Answer> {
    const query = turn.rewritten ?? turn.cmd.message;
    const vocabulary = offered(turn, 'sales_data') ? await this.sales.vocabulary() : { product: [], category: [], rep: [], region: [], channel: [] };
    let route: Route = routeMessage(query, vocabulary);
    // a tool disabled, or one this caller may not use, leaves the question to the knowledge base
    if (route.tool && !offered(turn, route.tool)) route = { tool: 'knowledge_base_search', rule: `${route.rule}_tool_${this.enabled(route.tool) ? 'forbidden' : 'disabled'}`, arguments: { query } };
    const decided = { decided_by: 'rules' as const, rule: route.rule };

    if (route.tool === 'knowledge_base_search' || route.tool === null) {
      if (route.tool === null && turn.llm.info.kind !== 'llm') {
        const text = /obrigad|valeu/i.test(query) ? SMALLTALK_REPLY.thanks : SMALLTALK_REPLY.hello;
        for (const part of words(text)) yield { type: 'token', text: part };
        return { text, citations: [], model: turn.llm.info.modelId, route: decided };
      }
      if (route.tool === null) return yield* this.compose(turn, decided, undefined);
      return yield* this.groundedAnswer(turn, query, decided);
    }
    const { record, output } = await this.runTool(turn, route.tool, route.arguments, route.rule, 1);
    yield { type: 'tool_call', call: record };
    if (turn.llm.info.kind === 'llm') return yield* this.compose(turn, decided, { name: route.tool, content: output ? output.content : `ERRO: ${record.error}` });
    const text = output ? output.reply : explainFailure(route.tool, record.error ?? 'erro desconhecido');
    for (const part of words(text)) yield { type: 'token', text: part };
    return { text, citations: [], model: turn.llm.info.modelId, route: decided };
  }

  /** The knowledge base route: the grounded /v1/ask pipeline on the standalone question, streamed. */
  private async *groundedAnswer(turn: Turn, question: string, route: ChatResult['route']) {
    const ctx = this.toolContext(turn, 1);
    const t = performance.now();
    let result: AskResult | undefined;
    let record: ToolCallRecord | undefined;
    for await (const e of this.knowledgeBase.answerStream(question, ctx, (call) => (turn.unfinished = call))) {
      // the search is done when the answer begins: its tool_call goes before the answer's tokens (ms: until then)
      if (!record) {
        record = { name: 'knowledge_base_search', arguments: { query: question }, ok: true, ms: ms(t), chosen_by: route.rule ?? undefined };
        turn.toolCalls.push(record);
        yield { type: 'tool_call' as const, call: record };
      }
      if (e.type === 'token') yield { type: 'token' as const, text: e.text };
      else if (e.type === 'done') result = e.result;
    }
    if (!result) throw new Error('the knowledge base answer ended without a result');
    turn.timings.retrieve_ms += result.timings.embed_ms + result.timings.search_ms;
    searched(turn, result.timings); // the /v1/ask pipeline observed its stages in Prometheus already
    turn.timings.generate_ms += result.timings.generate_ms;
    if (result.usage.total_tokens > 0 || result.timings.generate_ms > 0) {
      turn.calls.push({ operation: 'chat', model: result.model, promptTokens: result.usage.prompt_tokens, completionTokens: result.usage.completion_tokens, ms: result.timings.generate_ms });
    }
    return { text: result.answer, citations: result.citations, model: result.model, abstained: result.abstained, truncated: result.truncated, route };
  }


  /** A model without tool calling writes the reply from the conversation and, if a tool ran, its result. */
  private async *compose(turn: Turn, route: ChatResult['route'], tool: { name: string; content: string } | undefined) {
    const cfg = this.config.conversation;
    const system = fill(cfg.templates.system, { refusal: this.config.generation.ask.refusal, summary: turn.summary ? `Resumo da conversa até aqui:\n${turn.summary}` : '' });
    const messages: ChatMessage[] = [{ role: 'system', content: system }, ...turn.window];
    if (tool) messages.push({ role: 'user', content: fill(cfg.templates.toolResult, { tool: tool.name, result: tool.content }) });
    const t = performance.now();
    const inFlight = { operation: 'chat', started: t, messages, streamed: '' };
    turn.inFlight = inFlight;
    let generation: Generation | undefined;
    for await (const e of turn.llm.stream(messages, { signal: turn.cmd.signal })) {
      if (e.type === 'delta') {
        inFlight.streamed += e.text;
        yield { type: 'token' as const, text: e.text };
      } else generation = e.generation;
    }
    if (!generation) throw new Error('LLM stream ended without a final event');
    turn.inFlight = undefined;
    this.account(turn, 'chat', generation, ms(t));
    const answer = this.declinedIfEmpty(generation.text.trim(), generation);
    // an empty stream sent no token: the refusal is the reply
    if (answer.abstained) for (const part of words(answer.text)) yield { type: 'token' as const, text: part };
    return { ...answer, citations: [] as ChatCitation[], model: generation.model, route };
  }

  /** One model call; offered tools, a reply that asks for them is a `tool_decision` call. */
  private async generate(turn: Turn, operation: string, messages: ChatMessage[], tools?: Array<Tool['definition']>): Promise<Generation> {
    const t = performance.now();
    turn.inFlight = { operation, started: t, messages, streamed: '' };
    const g = await turn.llm.generate(messages, { signal: turn.cmd.signal, ...(tools?.length ? { tools } : {}) });
    turn.inFlight = undefined;
    this.account(turn, tools?.length && g.toolCalls?.length ? 'tool_decision' : operation, g, ms(t));
    return g;
  }

  private account(turn: Turn, operation: string, g: Generation, took: number): void {
    turn.timings.generate_ms += took;
    this.usage.observeStages({ generate: took });
    turn.calls.push({ operation, model: g.model, promptTokens: g.usage.promptTokens, completionTokens: g.usage.completionTokens, ms: took });
  }

  private async runTool(turn: Turn, name: string, args: Record<string, unknown>, chosenBy: string, nextPassageNumber: number): Promise<{ record: ToolCallRecord; output?: ToolOutput }> {
    const tool = turn.tools.find((t) => t.definition.name === name);
    const t = performance.now();
    let output: ToolOutput | undefined;
    let error: string | undefined;
    try {
      // a model may name a tool it was not offered: the one this caller may not use is refused as such
      if (!tool && this.enabled(name)) throw new DomainError('CONVERSATION.TOOL_FORBIDDEN', 'forbidden', `the tool "${name}" is not available to this user (an admin grants it: conversation.tools.${name}.users)`);
      if (!tool) throw new DomainError('CONVERSATION.TOOL_UNKNOWN', 'invalid', `no tool named "${name}" is enabled`);
      output = await tool.run(args, this.toolContext(turn, nextPassageNumber));
    } catch (e) {
      if (!(e instanceof DomainError) || turn.cmd.signal?.aborted) throw e;
      error = e.message; // explained to the user (or the model), never a failed request
    }
    const took = ms(t);
    if (name === 'knowledge_base_search') {
      turn.timings.retrieve_ms += took;
      if (output?.searchTimings) {
        searched(turn, output.searchTimings);
        this.usage.observeStages({ embed: output.searchTimings.embed_ms, search: output.searchTimings.search_ms });
      }
    } else {
      turn.timings.tool_ms += took;
      this.usage.observeStages({ tool: took });
    }
    const record: ToolCallRecord = { name, arguments: args, ok: !error, ms: took, ...(error ? { error } : {}), chosen_by: chosenBy, ...(output?.period ? { period: output.period } : {}) };
    turn.toolCalls.push(record);
    return { record, output };
  }

  private toolContext(turn: Turn, nextPassageNumber: number): ToolContext {
    return { collection: turn.collection, userId: turn.cmd.userId, signal: turn.cmd.signal, nextPassageNumber };
  }

  private enabled(name: string): boolean {
    return this.tools.some((t) => t.definition.name === name);
  }

  /** Stores the turn (and the new summary) and the usage rows in one transaction, logs it, and builds the result. */
  private async finish(turn: Turn, answer: Answer): Promise<ChatResult> {
    const { cmd } = turn;
    const cfg = this.config.conversation;
    const persist = cmd.persist ?? true;
    const userMessage = { role: 'user' as const, content: cmd.message, citations: [], tool_calls: [], rewritten_query: turn.rewritten, model: null };
    const reply = { role: 'assistant' as const, content: answer.text, citations: answer.citations, tool_calls: turn.toolCalls, rewritten_query: null, model: answer.model };
    const summary = persist ? await this.nextSummary(turn, [userMessage, reply]) : undefined;
    if (persist) {
      // one statement: the conversation (created or updated), both messages and the new summary
      const create = turn.conversation ? undefined : { userId: cmd.userId, title: titleFrom(cmd.message), collection: turn.collection, forgets: turn.forgets };
      if (!(await this.store.appendTurn(turn.conversationId, [userMessage, reply], { summary, create }))) {
        // the user asked to be forgotten while this first turn ran: 409, nothing stored
        if (create && (await this.store.forgetCount(cmd.userId)) > turn.forgets) throw new ConversationForgottenError(cmd.userId);
        // the id is another user's (or the conversation was deleted meanwhile): the same 404 as unknown
        throw new ConversationNotFoundError(turn.conversationId);
      }
    }
    // usage rows are written off the request path (a failed metrics write never fails a turn), priced now
    turn.recorded = true;
    const who = { userId: cmd.userId, conversationId: persist ? turn.conversationId : undefined, requestId: cmd.requestId };
    const ran = this.stagesAndTools(turn);
    // a turn that called no model (offline: a tool's own reply, a search with no evidence) has its tools and stages
    // in a row of their own; otherwise they ride on its last call's row (the reports' per-stage percentiles and tool usage)
    if (!turn.calls.length) this.usage.recordWithoutModel({ ...ran, ...who });
    const cost = sumCosts(
      this.usage.record(
        turn.calls.map((c, i) => ({
          ...{ operation: c.operation, modelId: c.model, promptTokens: c.promptTokens, completionTokens: c.completionTokens, ms: c.ms, ...who },
          ...(i === turn.calls.length - 1 ? ran : {}),
        })),
      ),
    );
    const promptTokens = turn.calls.reduce((a, c) => a + c.promptTokens, 0);
    const completionTokens = turn.calls.reduce((a, c) => a + c.completionTokens, 0);
    const context = [...(turn.summary ? [turn.summary] : []), ...turn.window.map((m) => m.content)];
    const memory = [...turn.window, { role: 'assistant' as const, content: answer.text }]
      .filter((m): m is { role: 'user' | 'assistant'; content: string } => m.role === 'user' || m.role === 'assistant')
      .slice(-cfg.memory.windowTurns * 2)
      .map((m) => ({ role: m.role, content: m.content }));
    const totalMs = ms(turn.started);
    this.logger.log(
      {
        user_id: cmd.userId,
        conversation_id: turn.conversationId,
        request_id: cmd.requestId,
        prompt: cfg.logPromptChars ? cmd.message.slice(0, cfg.logPromptChars) : undefined,
        tokens_used: promptTokens + completionTokens,
        time_ms: totalMs,
        tool_called: turn.toolCalls.map((c) => c.name).join(',') || null,
        route: answer.route.rule ?? answer.route.decided_by,
        model: answer.model,
      },
      'chat turn',
    );
    return {
      response: answer.text,
      model: answer.model,
      tokens_used: promptTokens + completionTokens,
      context_size: context.length,
      context_tokens: context.reduce((a, c) => a + estimateTokens(c), 0),
      memory,
      conversation_id: turn.conversationId,
      rewritten_query: turn.rewritten,
      citations: answer.citations,
      tool_calls: turn.toolCalls,
      route: answer.route,
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens },
      // each stage sums the turn's calls: rounded again, as each was (34.87, not 34.870000000000005)
      timings: { retrieve_ms: round2(turn.timings.retrieve_ms), tool_ms: round2(turn.timings.tool_ms), generate_ms: round2(turn.timings.generate_ms), total_ms: totalMs },
      cost_usd: cost,
      ...(answer.abstained ? { abstained: answer.abstained } : {}),
      ...(answer.truncated ? { truncated: answer.truncated } : {}),
    };
  }

  /** Past the window, the oldest whole turns are folded into the rolling summary (by the model when there is one). */
  private async nextSummary(turn: Turn, added: Array<Pick<StoredMessage, 'role' | 'content'>>): Promise<{ text: string; summarizedCount: number } | undefined> {
    const cfg = this.config.conversation.memory;
    if (turn.cmd.history) return undefined;
    const unsummarized = [...turn.stored, ...added];
    const excess = unsummarized.length - cfg.windowTurns * 2;
    if (excess <= 0) return undefined;
    const folded = unsummarized.slice(0, excess + (excess % 2));
    const base = turn.conversation?.summarizedCount ?? 0;
    let text: string;
    if (turn.llm.info.kind === 'llm') {
      const history = folded.map((m) => `${m.role === 'user' ? 'Usuário' : 'Assistente'}: ${m.content}`).join('\n');
      const g = await this.generate(turn, 'summary', [
        { role: 'user', content: fill(this.config.conversation.templates.summary, { summary: turn.summary || '(nenhum)', history, max_chars: String(cfg.summaryMaxChars) }) },
      ]);
      text = g.text.trim().slice(0, cfg.summaryMaxChars) || foldIntoSummary(turn.summary, folded, cfg.summaryMaxChars);
    } else {
      text = foldIntoSummary(turn.summary, folded, cfg.summaryMaxChars);
    }
    return { text, summarizedCount: base + folded.length };
  }
}

/**
 * The previous question of the conversation (its standalone form) and the period its sales answer covered, if any.
 * Smalltalk ("obrigado!", "ok") is no question: a follow-up after it is about the question before.
 */
function previousTurn(stored: StoredMessage[], history: ChatMessage[]): PreviousTurn | undefined {
  // The questions are read in order so that a follow-up's subject is the one its rewrite carried ("e em quantos dias é
  // pago?" -> "Em quantos dias é pago o reembolso de despesas?": about "o reembolso de despesas", not "dias").
  let previous: PreviousTurn | undefined;
  for (let i = 0; i < stored.length; i++) {
    if (stored[i].role !== 'user' || isSmalltalk(stored[i].content)) continue;
    const period = stored[i + 1]?.tool_calls.find((c) => c.period)?.period;
    const query = stored[i].rewritten_query;
    const subject = query && previous ? rewriteFollowUp(stored[i].content, previous, new Date()).subject : undefined;
    previous = { query: query ?? stored[i].content, period, ...(subject && { subject }) };
  }
  if (previous) return previous;
  const lastUser = [...history].reverse().find((m) => m.role === 'user' && !isSmalltalk(m.content));
  return lastUser ? { query: lastUser.content } : undefined;
}

/** A knowledge-base search's stages, added to the turn's. */
function searched(turn: Turn, t: { embed_ms: number; search_ms: number }): void {
  turn.searched = { embed: (turn.searched?.embed ?? 0) + t.embed_ms, search: (turn.searched?.search ?? 0) + t.search_ms };
}

function offered(turn: Turn, name: string): boolean {
  return turn.tools.some((t) => t.definition.name === name);
}

function explainFailure(tool: string, reason: string): string {
  const what = tool === 'sales_data' ? 'os dados de vendas' : tool === 'market_data' ? 'as cotações' : 'a ferramenta';
  return `Não consegui consultar ${what} agora: ${reason}. Tente de novo em instantes ou reformule a pergunta.`;
}

function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}
