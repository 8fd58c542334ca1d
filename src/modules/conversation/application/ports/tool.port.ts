import type { Passage, ToolDefinition } from '../../../generation';
import type { ChatCitation } from '../../domain/conversation';
import type { Period } from '../../domain/periods';

/**
 * Who calls, as the driving adapter verified it (the access module's principal); undefined when no credential was
 * verified (auth.mode open, anonymous).
 */
export interface ToolCaller {
  role: 'user' | 'admin';
  userId?: string;
}

export interface ToolContext {
  collection: string;
  userId: string;
  signal?: AbortSignal;
  /** Numbers the knowledge base's passages across the calls of one message ([1], [2] ...). */
  nextPassageNumber: number;
}

/** A passage a tool returned, numbered for citation (the generation module's Passage). */
export type ToolPassage = Passage;

export interface ToolOutput {
  /** What the model reads (tool-calling path). */
  content: string;
  /** A reply a user can read as is (the offline path answers with it). */
  reply: string;
  passages?: ToolPassage[];
  /** Citations already verified (the knowledge base tool's offline answer). */
  citations?: ChatCitation[];
  /** The period a sales answer covered, so "e no mês anterior?" can shift it. */
  period?: Period;
  /** Model calls the tool made itself (the knowledge base's grounded answer). */
  usage?: { model: string; promptTokens: number; completionTokens: number; ms: number };
  /** A search's embed and search stages (ms; the knowledge base): the turn's usage row carries them, as /v1/ask's does. */
  searchTimings?: { embed_ms: number; search_ms: number };
  abstained?: boolean;
}

/** A tool the agent may call. Failures are thrown as domain errors; the agent turns them into an explanation. */
export interface Tool {
  readonly definition: ToolDefinition;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutput>;
  /** Whether this caller may use the tool (absent: everyone). A tool refused is not offered, and not run if asked for. */
  permits?(caller: ToolCaller | undefined): boolean;
}

/** Every enabled tool (config: conversation.tools.<name>.enabled). */
export const TOOLS = Symbol('TOOLS');
