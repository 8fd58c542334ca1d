import { DomainError, DomainErrorKind } from '../../../shared/errors/domain-error';

/** Errors of the conversation module, with stable CONVERSATION.* codes. */
export class ConversationError extends DomainError {
  constructor(code: `CONVERSATION.${string}`, kind: DomainErrorKind, message: string, details: Record<string, unknown> = {}) {
    super(code, kind, message, details);
  }
}

/** Unknown conversation, or one of another user: the same 404, so ids of others do not leak. */
export class ConversationNotFoundError extends ConversationError {
  constructor(id: string) {
    super('CONVERSATION.NOT_FOUND', 'not_found', `conversation ${id} not found`, { conversationId: id });
  }
}

/** GET /v1/models/{id}: not `acervo` nor `acervo:<collection>` of an existing collection. */
export class ModelNotFoundError extends ConversationError {
  constructor(id: string) {
    super('CONVERSATION.MODEL_NOT_FOUND', 'not_found', `The model \`${id}\` does not exist: the models are acervo and acervo:<collection> (GET /v1/models).`, { model: id });
  }
}

export class MessageTooLongError extends ConversationError {
  constructor(max: number, got: number) {
    super('CONVERSATION.MESSAGE_TOO_LONG', 'invalid', `message has ${got} characters (Unicode code points); at most ${max} are accepted`, {
      errors: [{ field: 'message', message: `must be at most ${max} characters (Unicode code points)` }],
    });
  }
}

/** A message with nothing but blanks (and NULs, which are dropped) left. */
export class BlankMessageError extends ConversationError {
  constructor() {
    super('CONVERSATION.BLANK_MESSAGE', 'invalid', 'message must not be blank', { errors: [{ field: 'message', message: 'must not be blank' }] });
  }
}

/** The user's memory was deleted while this turn, which started a conversation, ran: nothing of it is stored. */
export class ConversationForgottenError extends ConversationError {
  constructor(userId: string) {
    super('CONVERSATION.FORGOTTEN', 'conflict', `the memory of user ${userId} was deleted while this turn ran; the turn was not stored`, {});
  }
}

/** A follow-up naming another collection than its conversation's: a conversation stays in one collection. */
export class CollectionMismatchError extends ConversationError {
  constructor(id: string, conversationCollection: string, given: string) {
    super(
      'CONVERSATION.COLLECTION_MISMATCH',
      'conflict',
      `conversation ${id} belongs to collection "${conversationCollection}", not "${given}"; continue it there or start a new conversation`,
      { conversationId: id, collection: conversationCollection },
    );
  }
}

/** A tool failed (bad arguments, the external API timed out or answered an error): explained in the reply, never a 5xx. */
export class ToolFailedError extends ConversationError {
  constructor(tool: string, reason: string) {
    super('CONVERSATION.TOOL_FAILED', 'bad_gateway', `${tool}: ${reason}`, { tool });
  }
}
