import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOllama } from '@langchain/ollama';
import { GenerateOptions, LlmInfo } from '../../application/ports/llm-provider.port';
import { LlmFailedError } from '../../domain/generation.errors';
import { LangChainChatLlm } from './langchain-chat.llm';
import { LlmErrorContext, llmFetch, probeJson } from './llm-errors';

export interface OllamaLlmOptions {
  /** The server origin (http://localhost:11434). */
  baseUrl: string;
  model: string;
  temperature: number;
  maxTokens: number;
  contextWindow?: number;
  keepAlive?: string;
}

/**
 * Ollama's native POST /api/chat through LangChain's ChatOllama. ChatOllama always streams (NDJSON),
 * even for invoke(), and hands no AbortSignal to the ollama client, so each call gets its own client
 * whose fetch is bound to the call's signal: a timeout then really closes the connection.
 * Usage comes from the final line's prompt_eval_count / eval_count.
 */
export class OllamaLlm extends LangChainChatLlm {
  readonly info: LlmInfo;
  protected override readonly requiresFinishReason = false;
  private readonly origin: string;

  constructor(private readonly options: OllamaLlmOptions) {
    super();
    this.origin = new URL(options.baseUrl).origin;
    this.info = {
      provider: 'ollama',
      model: options.model,
      modelId: `ollama:${options.model}`,
      kind: 'llm',
      contextWindow: options.contextWindow,
      capabilities: { streaming: true, toolCalling: true },
      description: `Ollama chat model ${options.model} at ${this.origin}`,
    };
  }

  protected chatModel(options: GenerateOptions): BaseChatModel {
    return new ChatOllama({
      model: this.options.model,
      baseUrl: this.options.baseUrl,
      temperature: options.temperature ?? this.options.temperature,
      numPredict: options.maxTokens ?? this.options.maxTokens,
      // contextWindow is not sent as num_ctx: Ollama would allocate a KV cache that large on every load.
      ...(this.options.keepAlive ? { keepAlive: this.options.keepAlive } : {}),
      // ChatOllama calls the ollama client directly (no LangChain caller); 0 keeps it that way.
      maxRetries: 0,
      fetch: llmFetch({ signal: options.signal }),
    });
  }

  protected errorContext(signal?: AbortSignal): LlmErrorContext {
    return {
      endpoint: this.origin,
      model: this.options.model,
      signal,
      notFoundHint: `run "ollama pull ${this.options.model}" on ${this.origin}, or change generation.llm.ollama.model`,
    };
  }

  /** GET /api/tags: the server is up and the model is pulled. */
  async probe(signal?: AbortSignal): Promise<void> {
    const ctx = this.errorContext(signal);
    const body = await probeJson('ollama', `${this.options.baseUrl.replace(/\/+$/, '')}/api/tags`, ctx);
    const models = (body as { models?: { name?: unknown; model?: unknown }[] }).models;
    if (!Array.isArray(models))
      throw new LlmFailedError('ollama', `unexpected answer from ${this.origin}/api/tags`);
    const wanted = withTag(this.options.model);
    if (!models.some((m) => [m.name, m.model].some((n) => typeof n === 'string' && withTag(n) === wanted))) {
      throw new LlmFailedError(
        'ollama',
        `model "${this.options.model}" not found at ${this.origin} (${ctx.notFoundHint})`,
        {
          status: 404,
          retryable: false,
        },
      );
    }
  }
}

/** Ollama names without a tag mean ":latest". */
function withTag(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}
