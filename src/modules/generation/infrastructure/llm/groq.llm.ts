import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatGroq } from '@langchain/groq';
import { GenerateOptions, LlmInfo } from '../../application/ports/llm-provider.port';
import { LlmUnavailableError } from '../../domain/generation.errors';
import { LangChainChatLlm } from './langchain-chat.llm';
import { LlmErrorContext, llmFetch, probeJson } from './llm-errors';

export interface GroqLlmOptions {
  /** The API origin (https://api.groq.com); groq-sdk appends /openai/v1/... itself. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  temperature: number;
  maxTokens: number;
  contextWindow?: number;
}

/**
 * Groq's OpenAI-style chat API through LangChain's ChatGroq (groq-sdk). Streaming usage arrives in
 * `x_groq.usage` on the last chunk; ChatGroq copies it into response_metadata.usage, which the base reads.
 */
export class GroqLlm extends LangChainChatLlm {
  readonly info: LlmInfo;
  private readonly origin: string;
  private readonly apiRoot: string;
  private readonly apiKey: string;
  private readonly client: ChatGroq;

  constructor(private readonly options: GroqLlmOptions) {
    super();
    if (!options.apiKey) {
      throw new LlmUnavailableError('groq', 'no API key: set GROQ_API_KEY (generation.llm.groq.apiKey)');
    }
    this.apiKey = options.apiKey;
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.apiRoot = options.baseUrl.replace(/\/+$/, '');
    this.info = {
      provider: 'groq',
      model: options.model,
      modelId: `groq:${options.model}`,
      kind: 'llm',
      contextWindow: options.contextWindow,
      capabilities: { streaming: true, toolCalling: true },
      description: `Groq chat model ${options.model} at ${url.origin}`,
    };
    this.client = this.build(options.temperature, options.maxTokens);
  }

  protected chatModel(options: GenerateOptions): BaseChatModel {
    const { temperature, maxTokens } = this.options;
    return this.clientFor(options, { client: this.client, temperature, maxTokens }, (t, m) => this.build(t, m));
  }

  protected errorContext(signal?: AbortSignal): LlmErrorContext {
    return { endpoint: this.origin, secrets: [this.apiKey], model: this.options.model, signal };
  }

  /** GET /openai/v1/models: free, and checks the key. */
  async probe(signal?: AbortSignal): Promise<void> {
    await probeJson('groq', `${this.apiRoot}/openai/v1/models`, {
      ...this.errorContext(signal),
      headers: { authorization: `Bearer ${this.apiKey}` },
    });
  }

  private build(temperature: number, maxTokens: number): ChatGroq {
    const chat = new ChatGroq({
      model: this.options.model,
      apiKey: this.apiKey,
      baseUrl: this.apiRoot,
      temperature,
      maxTokens,
      streamUsage: true,
      // LangChain's caller would retry on its own (groq-sdk's retries are already 0 in ChatGroq).
      maxRetries: 0,
      fetch: llmFetch(),
    });
    // ChatGroq does not forward groq-sdk's logLevel; left at 'warn' the SDK prints unparseable stream
    // chunks (response content) with console.error. The failure is reported as an LlmFailedError instead.
    chat.client.logLevel = 'off';
    return chat;
  }
}
