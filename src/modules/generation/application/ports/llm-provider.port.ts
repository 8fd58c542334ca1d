/** Chat message in domain terms (no vendor types). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** assistant: the tools the model asked for in this turn. */
  toolCalls?: ToolCall[];
  /** tool: the call this message answers. */
  toolCallId?: string;
}

/** A tool the model asked to run, with its parsed arguments. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** Set when the model's arguments could not be read (malformed JSON): why (never the raw arguments); `arguments` is then {} and the call is not to be run. */
  invalid?: string;
}

/** A tool offered to the model: name, what it does, and its arguments as a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** The passages a grounded answer may use, numbered as the prompt cites them ([1], [2] ...). */
export interface GroundingContext {
  question: string;
  /**
   * `start`: the passage's offset in its document (0 = it begins the document); `heading`: the heading the
   * passage starts under, when its chunk begins inside a section.
   */
  passages: Array<{ n: number; text: string; title?: string; start?: number; heading?: string; documentId?: string }>;
}

export interface GenerateOptions {
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  /** Structured view of the prompt's evidence; model-free providers (extractive) answer from it. */
  grounding?: GroundingContext;
  /** Offered to a tool-calling model (capabilities.toolCalling); others ignore them. */
  tools?: ToolDefinition[];
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

/** Why a model's answer stopped short: its token limit (`length`) or its content filter; undefined when it finished. */
export type CutReason = Extract<FinishReason, 'length' | 'content_filter'>;

export function cutReason(g: Pick<Generation, 'finishReason'>): CutReason | undefined {
  return g.finishReason === 'length' || g.finishReason === 'content_filter' ? g.finishReason : undefined;
}

export interface Generation {
  text: string;
  finishReason: FinishReason;
  usage: TokenUsage;
  /** Provider-qualified model that actually answered (after fallbacks), e.g. `groq:llama-3.3-70b-versatile`. */
  model: string;
  /** The tools the model asked for instead of (or before) answering; finishReason is then `tool_calls`. */
  toolCalls?: ToolCall[];
}

export type StreamEvent = { type: 'delta'; text: string } | { type: 'done'; generation: Generation };

export interface LlmInfo {
  provider: string;
  model: string;
  /** `provider:model`. */
  modelId: string;
  kind: 'extractive' | 'llm';
  contextWindow?: number;
  capabilities: { streaming: boolean; toolCalling: boolean };
  description: string;
}

/** The port the generation module owns. Adapters: openai-compatible, groq, ollama, extractive. */
export interface LlmProvider {
  readonly info: LlmInfo;
  generate(messages: ChatMessage[], options?: GenerateOptions): Promise<Generation>;
  /** Deltas (never cumulative text), then exactly one `done` with usage. */
  stream(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<StreamEvent>;
  /** Cheap reachability check used by readiness and before a hot swap. Throws a domain error when down. */
  probe(signal?: AbortSignal): Promise<void>;
}

