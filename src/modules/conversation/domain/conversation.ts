import type { Citation } from '../../generation';
import type { Period } from './periods';

/** A tool the agent ran for a message, as the API returns and memory keeps it. */
export interface ToolCallRecord {
  name: string;
  arguments: Record<string, unknown>;
  ok: boolean;
  ms: number;
  error?: string;
  /** The rule that chose it (offline router) or `model` (a tool-calling LLM asked for it). */
  chosen_by?: string;
  /** The period a sales answer covered ("e no mês anterior?" shifts it). */
  period?: Period;
}

/** A verified citation, as /v1/ask returns it. */
export type ChatCitation = Citation;

export interface StoredMessage {
  role: 'user' | 'assistant';
  content: string;
  citations: ChatCitation[];
  tool_calls: ToolCallRecord[];
  rewritten_query: string | null;
  model: string | null;
  created_at: Date;
}

export interface Conversation {
  id: string;
  userId: string;
  title: string;
  collection: string;
  summary: string;
  /** Messages already folded into the summary (the oldest ones). */
  summarizedCount: number;
  messageCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/** "Título" of a new conversation: its first message, cut at a word boundary. */
export function titleFrom(message: string, max = 80): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2)).trim()}…`;
}

/**
 * The extractive rolling summary (no LLM): each folded turn becomes one line with the question and the
 * first sentence of the reply (citation marks removed); the oldest lines go first when it grows past max.
 */
export function foldIntoSummary(summary: string, turns: Array<Pick<StoredMessage, 'role' | 'content'>>, maxChars: number): string {
  const lines = summary ? summary.split('\n') : [];
  for (let i = 0; i < turns.length; i++) {
    const m = turns[i];
    if (m.role !== 'user') continue;
    const reply = turns[i + 1]?.role === 'assistant' ? turns[i + 1].content : '';
    const first = (reply.replace(/\s*\[\d+\]/g, '').match(/^[^\n]*?[.!?](\s|$)/)?.[0] ?? reply).trim();
    lines.push(`- Usuário: ${clip(m.content, 160)} → ${clip(first, 200) || '(sem resposta)'}`);
  }
  while (lines.join('\n').length > maxChars && lines.length > 1) lines.shift();
  return clip(lines.join('\n'), maxChars);
}

function clip(s: string, n: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length <= n ? flat : `${flat.slice(0, n - 1)}…`;
}
