import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOpenAI } from '@langchain/openai';
import { GenerateOptions, LlmInfo } from '../../application/ports/llm-provider.port';
import { LlmUnavailableError } from '../../domain/generation.errors';
import { LangChainChatLlm } from './langchain-chat.llm';
import { LlmErrorContext, llmFetch, probeJson } from './llm-errors';

export interface OpenAiLlmOptions {
  /** The API root including /v1 (https://api.openai.com/v1, http://localhost:8000/v1 for vLLM ...). */
  baseUrl: string;
  /** Required for api.openai.com; optional for other OpenAI-compatible servers. */
  apiKey?: string;
  model: string;
  temperature: number;
  maxTokens: number;
  contextWindow?: number;
}

/**
 * Any OpenAI-compatible /chat/completions endpoint (OpenAI, vLLM, LM Studio, llama.cpp server, Ollama's
 * /v1) through LangChain's ChatOpenAI. Streams ask for `stream_options.include_usage` so the final chunk
 * carries token usage. Without an API key no Authorization header is sent at all (the SDK would
 * otherwise insist on one).
 */
export class OpenAiLlm extends LangChainChatLlm {
  readonly info: LlmInfo;
  private readonly origin: string;
  private readonly client: ChatOpenAI;

  constructor(private readonly options: OpenAiLlmOptions) {
    super();
    const url = new URL(options.baseUrl);
    if (/(^|\.)openai\.com$/i.test(url.hostname) && !options.apiKey) {
      throw new LlmUnavailableError(
        'openai',
        'no API key: set OPENAI_API_KEY (generation.llm.openai.apiKey)',
      );
    }
    this.origin = url.origin;
    this.info = {
      provider: 'openai',
      model: options.model,
      modelId: `openai:${options.model}`,
      kind: 'llm',
      contextWindow: options.contextWindow,
      capabilities: { streaming: true, toolCalling: true },
      description: `OpenAI-compatible chat model ${options.model} at ${url.origin}`,
    };
    this.client = this.build(options.temperature, options.maxTokens);
  }

  protected chatModel(options: GenerateOptions): BaseChatModel {
    const { temperature, maxTokens } = this.options;
    return this.clientFor(options, { client: this.client, temperature, maxTokens }, (t, m) => this.build(t, m));
  }

  protected errorContext(signal?: AbortSignal): LlmErrorContext {
    return { endpoint: this.origin, secrets: [this.options.apiKey], model: this.options.model, signal };
  }

  /** GET {baseUrl}/models: answers without spending tokens and checks the key. */
  async probe(signal?: AbortSignal): Promise<void> {
    await probeJson('openai', `${this.options.baseUrl.replace(/\/+$/, '')}/models`, {
      ...this.errorContext(signal),
      headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
    });
  }

  private build(temperature: number, maxTokens: number): ChatOpenAI {
    return new ChatOpenAI({
      model: this.options.model,
      temperature,
      maxTokens,
      // The SDK refuses to start without a key; a placeholder is sent nowhere (the header is stripped below).
      apiKey: this.options.apiKey || 'no-key',
      streamUsage: true,
      useResponsesApi: false,
      // Retries and timeouts are ResilientLlm's; the SDK's own retries are always off in LangChain.
      maxRetries: 0,
      configuration: {
        baseURL: this.options.baseUrl,
        fetch: llmFetch({ stripAuthorization: !this.options.apiKey }),
        // The SDK would print unparseable stream chunks (response content) with console.error; the
        // failure is reported as an LlmFailedError naming the parse error instead.
        logLevel: 'off',
      },
    });
  }
}
