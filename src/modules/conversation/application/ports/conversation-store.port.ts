import type { Conversation, StoredMessage } from '../../domain/conversation';

export type NewMessage = Omit<StoredMessage, 'created_at'>;

/** Conversation memory, per user, in Postgres (replicas share it; it survives restarts). */
export interface ConversationStore {
  /** The conversation if it exists and belongs to this user; null otherwise (another user's id reads as unknown). */
  find(id: string, userId: string): Promise<Conversation | null>;
  /** Whether a conversation with this id belongs to another user (an id this user's new conversation cannot take). */
  takenByAnother(id: string, userId: string): Promise<boolean>;
  list(userId: string, limit: number, offset: number): Promise<{ items: Conversation[]; total: number }>;
  /** Messages in order; `after` skips the first N (those already in the summary). */
  messages(id: string, after?: number): Promise<StoredMessage[]>;
  /**
   * Appends a user message and its reply together, and the new summary, atomically; `create` starts the
   * conversation with them (a new conversation is never stored without its first turn). False when nothing was
   * stored: the conversation is gone, or the id to create is another user's (or in another collection), or the
   * user was forgotten after `create.forgets` (forgetCount when the turn began).
   */
  appendTurn(
    id: string,
    turn: [NewMessage, NewMessage],
    opts: { summary?: { text: string; summarizedCount: number }; create?: { userId: string; title: string; collection: string; forgets: number } },
  ): Promise<boolean>;
  delete(id: string, userId: string): Promise<boolean>;
  /** Every conversation of a user, and a forget counted (turns under way then store nothing new); returns how many went. */
  deleteUser(userId: string): Promise<number>;
  /** How many times the user was forgotten (0: never). */
  forgetCount(userId: string): Promise<number>;
}

export const CONVERSATION_STORE = Symbol('CONVERSATION_STORE');
