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

export class MessageTooLongError extends ConversationError {
  constructor(max: number, got: number) {
    super('CONVERSATION.MESSAGE_TOO_LONG', 'invalid', `message has ${got} characters; at most ${max} are accepted`, {
      errors: [{ field: 'message', message: `must be at most ${max} characters` }],
    });
  }
}

/** A tool failed (bad arguments, the external API timed out or answered an error): explained in the reply, never a 5xx. */
export class ToolFailedError extends ConversationError {
  constructor(tool: string, reason: string) {
    super('CONVERSATION.TOOL_FAILED', 'bad_gateway', `${tool}: ${reason}`, { tool });
  }
}
