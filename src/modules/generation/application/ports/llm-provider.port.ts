/** Chat message in domain terms (no vendor types). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface GenerateOptions {
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface Generation {
  text: string;
  finishReason: 'stop' | 'length' | 'error' | 'other';
  usage: TokenUsage;
  model: string;
}

/** The port the generation module owns; adapters (openai, groq, ollama, extractive) arrive with /v1/ask. */
export interface LlmProvider {
  readonly modelId: string;
  readonly capabilities: { streaming: boolean; toolCalling: boolean };
  generate(messages: ChatMessage[], options?: GenerateOptions): Promise<Generation>;
  stream(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<{ delta: string } | { done: Generation }>;
}

export const LLM_PROVIDER = Symbol('LLM_PROVIDER');
