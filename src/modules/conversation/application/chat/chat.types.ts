import type { ChatMessage, CutReason } from '../../../generation';
import type { ChatCitation, ToolCallRecord } from '../../domain/conversation';
import type { ToolCaller } from '../ports/tool.port';

export interface ChatCommand {
  userId: string;
  /** The verified caller (auth): the tools it may use depend on it (Tool.permits). */
  caller?: ToolCaller;
  message: string;
  conversationId?: string;
  collection?: string;
  requestId?: string;
  signal?: AbortSignal;
  /**
   * The OpenAI-compatible route: the client sends the conversation so far; it replaces stored memory as
   * context (the turn is still stored when `persist`).
   */
  history?: ChatMessage[];
  persist?: boolean;
  /** `conversationId` may name a conversation not stored yet, created by this turn (the OpenAI route's derived ids). */
  mayCreate?: boolean;
}

export interface ChatResult {
  response: string;
  model: string;
  tokens_used: number;
  /** Messages in the context the answer was produced from (summary, recent turns, this message). */
  context_size: number;
  context_tokens: number;
  /** The turns kept verbatim for this conversation after this message (older ones are in the summary). */
  memory: Array<{ role: 'user' | 'assistant'; content: string }>;
  conversation_id: string;
  rewritten_query: string | null;
  citations: ChatCitation[];
  tool_calls: ToolCallRecord[];
  /** How the agent chose: `model` (tool calling) or the offline router's rule. */
  route: { decided_by: 'model' | 'rules'; rule: string | null };
  usage: { prompt_tokens: number; completion_tokens: number };
  timings: { retrieve_ms: number; tool_ms: number; generate_ms: number; total_ms: number };
  /** USD from config/pricing.yaml; null when a model used has no price. */
  cost_usd: number | null;
  abstained?: string;
  /** The model stopped before the end of its answer (its token limit, or its content filter). Absent when it finished. */
  truncated?: CutReason;
}

export type ChatEvent =
  | { type: 'tool_call'; call: ToolCallRecord }
  | { type: 'token'; text: string }
  | { type: 'citation'; citation: ChatCitation }
  | { type: 'done'; result: ChatResult };
