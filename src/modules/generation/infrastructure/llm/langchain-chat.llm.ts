import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import {
  ChatMessage,
  FinishReason,
  GenerateOptions,
  Generation,
  LlmInfo,
  LlmProvider,
  StreamEvent,
  TokenUsage,
  ToolCall,
  ToolDefinition,
} from '../../application/ports/llm-provider.port';
import { LlmFailedError } from '../../domain/generation.errors';
import { abortError, LlmErrorContext, toLlmError } from './llm-errors';

/**
 * What the three LangChain-backed adapters share: domain messages in, LangChain messages out;
 * `invoke` for generate, `.stream()` for stream; usage and finish reason read from whichever field the
 * integration fills; every failure mapped to a domain error by toLlmError. LangChain's own retries are
 * off in every adapter (maxRetries 0): retrying and falling back is ResilientLlm's job.
 */
export abstract class LangChainChatLlm implements LlmProvider {
  abstract readonly info: LlmInfo;
  /**
   * Whether a stream without a finish reason counts as cut short. OpenAI-style servers always close with
   * one; ollama-js checks the final `done` line itself, and Ollama before 0.1.33 sent no done_reason.
   */
  protected readonly requiresFinishReason: boolean = true;

  /** A chat model configured for this call (temperature/maxTokens overrides; Ollama binds the signal). */
  protected abstract chatModel(options: GenerateOptions): BaseChatModel;

  /** The configured client when the request keeps its sampling settings, a fresh one built for them otherwise. */
  protected clientFor(
    options: GenerateOptions,
    configured: { client: BaseChatModel; temperature: number; maxTokens: number },
    build: (temperature: number, maxTokens: number) => BaseChatModel,
  ): BaseChatModel {
    const temperature = options.temperature ?? configured.temperature;
    const maxTokens = options.maxTokens ?? configured.maxTokens;
    if (temperature === configured.temperature && maxTokens === configured.maxTokens) return configured.client;
    return build(temperature, maxTokens);
  }
  /** Where the provider lives and what must never be shown, for error messages. */
  protected abstract errorContext(signal?: AbortSignal): LlmErrorContext;
  abstract probe(signal?: AbortSignal): Promise<void>;

  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<Generation> {
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal, this.info.provider);
    let message: BaseMessage;
    try {
      message = await withTools(this.chatModel(options), options.tools).invoke(toLangChainMessages(messages), { signal });
    } catch (e) {
      throw toLlmError(this.info.provider, e, this.errorContext(signal));
    }
    if (signal?.aborted) throw abortError(signal, this.info.provider);
    const meta = readMetadata(message);
    const toolCalls = toolCallsOf(message);
    return {
      text: textOf(message.content),
      finishReason: mapFinishReason(meta.finishReason),
      usage: meta.usage ?? { promptTokens: 0, completionTokens: 0 },
      model: this.info.modelId,
      ...(toolCalls.length ? { toolCalls } : {}),
    };
  }

  async *stream(messages: ChatMessage[], options: GenerateOptions = {}): AsyncIterable<StreamEvent> {
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal, this.info.provider);
    let text = '';
    let usage: TokenUsage | undefined;
    let finishReason: string | undefined;
    const chunks: AsyncIterable<BaseMessage> = await this.chatModel(options)
      .stream(toLangChainMessages(messages), { signal })
      .catch((e: unknown) => {
        throw toLlmError(this.info.provider, e, this.errorContext(signal));
      });
    const iterator = chunks[Symbol.asyncIterator]();
    try {
      for (;;) {
        let step: IteratorResult<BaseMessage>;
        try {
          step = await iterator.next();
        } catch (e) {
          throw toLlmError(this.info.provider, e, this.errorContext(signal));
        }
        if (step.done) break;
        const meta = readMetadata(step.value);
        usage = meta.usage ?? usage;
        finishReason = meta.finishReason ?? finishReason;
        const delta = textOf(step.value.content);
        if (delta) {
          text += delta;
          yield { type: 'delta', text: delta };
        }
      }
    } finally {
      // Stops the HTTP stream when the consumer leaves early (break, error downstream).
      void iterator.return?.().catch(() => undefined);
    }
    if (signal?.aborted) throw abortError(signal, this.info.provider);
    if (finishReason === undefined && this.requiresFinishReason) {
      // The SDKs end quietly when the body ends without a final chunk; that answer is incomplete.
      throw new LlmFailedError(
        this.info.provider,
        `the stream from ${this.errorContext().endpoint} ended before the model finished`,
        { retryable: true },
      );
    }
    yield {
      type: 'done',
      generation: {
        text,
        finishReason: mapFinishReason(finishReason),
        usage: usage ?? { promptTokens: 0, completionTokens: 0 },
        model: this.info.modelId,
      },
    };
  }
}

/**
 * LangChain tool calling: the tools are bound to the chat model as OpenAI-style function definitions
 * (`bindTools`), which every integration here (ChatOpenAI, ChatGroq, ChatOllama) converts to its wire format.
 * The model only asks; running a tool is the caller's job (the conversation module's agent).
 */
function withTools(model: BaseChatModel, tools: ToolDefinition[] | undefined): Pick<BaseChatModel, 'invoke'> {
  if (!tools?.length) return model;
  if (!model.bindTools) throw new LlmFailedError('llm', 'this chat model does not support tool calling');
  return model.bindTools(tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } })));
}

/**
 * The tool calls of an AI message (LangChain parses them from every provider's format into `tool_calls`; those whose
 * arguments are not valid JSON go to `invalid_tool_calls`, returned here with `invalid` set).
 */
function toolCallsOf(message: BaseMessage): ToolCall[] {
  const ai = message as AIMessage;
  const calls: ToolCall[] = (ai.tool_calls ?? []).map((c) => ({ id: c.id ?? '', name: c.name, arguments: isRecord(c.args) ? c.args : {} }));
  // LangChain's own error text quotes the raw arguments (whatever the model wrote): not passed on
  for (const c of ai.invalid_tool_calls ?? []) calls.push({ id: c.id ?? '', name: c.name ?? '', arguments: {}, invalid: 'not valid JSON' });
  return calls.map((c, i) => (c.id ? c : { ...c, id: `call_${i}` }));
}

export function toLangChainMessages(messages: ChatMessage[]): BaseMessage[] {
  return messages.map((m) => {
    switch (m.role) {
      case 'system':
        return new SystemMessage(m.content);
      case 'user':
        return new HumanMessage(m.content);
      case 'assistant':
        return m.toolCalls?.length
          ? new AIMessage({ content: m.content, tool_calls: m.toolCalls.map((c) => ({ id: c.id, name: c.name, args: c.arguments, type: 'tool_call' as const })) })
          : new AIMessage(m.content);
      case 'tool':
        return new ToolMessage({ content: m.content, tool_call_id: m.toolCallId ?? '' });
      default: {
        const unreachable: never = m.role;
        throw new LlmFailedError('llm', `unsupported message role "${String(unreachable)}"`);
      }
    }
  });
}

/** The text of a message's content: a string, or the text parts of a content-block array. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      typeof part === 'string'
        ? part
        : isRecord(part) && part.type === 'text' && typeof part.text === 'string'
          ? part.text
          : '',
    )
    .join('');
}

/** OpenAI/Groq finish_reason and Ollama done_reason in the port's terms. */
export function mapFinishReason(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'stop':
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'length':
    case 'max_tokens':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    default:
      return 'other';
  }
}

/**
 * Usage and finish reason wherever the integration put them:
 * - usage_metadata (ChatOpenAI: the include_usage chunk or the JSON body; ChatOllama: the last chunk);
 * - response_metadata.usage, LangChain-shaped (ChatGroq streams copy x_groq.usage there, never into
 *   usage_metadata) or OpenAI-shaped (ChatGroq's closing chunk repeats the raw last chunk);
 * - response_metadata.x_groq.usage;
 * - response_metadata.finish_reason (OpenAI, Groq) or done_reason (Ollama).
 */
function readMetadata(message: BaseMessage): { usage?: TokenUsage; finishReason?: string } {
  const meta: Record<string, unknown> = isRecord(message.response_metadata) ? message.response_metadata : {};
  const um = (message as { usage_metadata?: unknown }).usage_metadata;
  const xGroq = isRecord(meta.x_groq) ? meta.x_groq : {};
  const usage = usageFrom(um) ?? usageFrom(meta.usage) ?? usageFrom(xGroq.usage);
  const reason = meta.finish_reason ?? meta.done_reason;
  return { usage, finishReason: typeof reason === 'string' && reason ? reason : undefined };
}

function usageFrom(u: unknown): TokenUsage | undefined {
  if (!isRecord(u)) return undefined;
  const prompt = u.input_tokens ?? u.prompt_tokens;
  const completion = u.output_tokens ?? u.completion_tokens;
  if (typeof prompt !== 'number' && typeof completion !== 'number') return undefined;
  // An OpenAI-compatible server that streams no usage makes ChatOllama/ChatOpenAI report zeros; a real zero
  // prompt is impossible, so an all-zero record is treated as "no usage".
  if (!prompt && !completion) return undefined;
  return {
    promptTokens: typeof prompt === 'number' ? prompt : 0,
    completionTokens: typeof completion === 'number' ? completion : 0,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
