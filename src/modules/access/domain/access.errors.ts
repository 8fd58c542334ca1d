import { DomainError, DomainErrorKind } from '../../../shared/errors/domain-error';

/** Errors of the access module, with stable AUTH.* codes. Messages never echo a credential. */
export class AccessError extends DomainError {
  constructor(code: `AUTH.${string}`, kind: DomainErrorKind, message: string, details: Record<string, unknown> = {}) {
    super(code, kind, message, details);
  }
}

export const authRequired = () => new AccessError('AUTH.REQUIRED', 'unauthorized', 'An API key (x-api-key or Authorization: Bearer) or a bearer token is required.');
export const invalidCredential = (reason: string) => new AccessError('AUTH.INVALID_CREDENTIALS', 'unauthorized', `The credential was refused: ${reason}.`);
/** A token's user (a valid token) that conversations cannot key on: it may search and ask, not chat. */
export const unusableUserId = (field: string, rule: string) =>
  new AccessError('AUTH.USER_ID_UNUSABLE', 'forbidden', `The authenticated user's id cannot name conversations or memory (it must be ${rule}); ask the identity provider for another user claim (auth.jwt.userClaim).`, {
    errors: [{ field, message: `the authenticated user's id must be ${rule}` }],
  });

export const userMismatch = (field: string) =>
  new AccessError('AUTH.USER_MISMATCH', 'forbidden', `${field} names another user than the authenticated one; leave it out or send your own.`, {
    errors: [{ field, message: 'must be the authenticated user' }],
  });
export const originNotAllowed = (origin: string) =>
  new AccessError('AUTH.ORIGIN_NOT_ALLOWED', 'forbidden', `A page from ${origin} may not open this WebSocket: only the service's own origin and http.cors.origins may.`, { origin });
/**
 * Admins are not bound to collections: the admin routes (keys, access lists, usage, config) are not about one
 * collection, so a bound would be escaped there (an admin key bound to one collection minted an unbound one: probe, session 15).
 */
export const adminNotBound = (field: string) =>
  new AccessError('AUTH.INVALID_KEY_REQUEST', 'invalid', 'An admin key cannot be bound to collections (admin routes reach every collection): leave collections out, or create a user key bound to them.', {
    errors: [{ field, message: 'not accepted when role is admin' }],
  });
export const forbidden = (what: string) => new AccessError('AUTH.FORBIDDEN', 'forbidden', what);
export const keyNotFound = (id: string) => new AccessError('AUTH.KEY_NOT_FOUND', 'not_found', `API key ${id} does not exist.`, { id });

/**
 * A collection the caller may not read answers exactly what an unknown collection answers (retrieval's
 * 404), so names of others' collections do not leak.
 */
export const collectionNotFound = (collection: string) =>
  new DomainError('RETRIEVAL.COLLECTION_NOT_FOUND', 'not_found', `Collection "${collection}" does not exist (nothing has been ingested into it).`, { collection });
export const documentNotFound = (id: string) => new DomainError('INGESTION.DOCUMENT_NOT_FOUND', 'not_found', `Document ${id} does not exist.`, { id });
/** The chat's own 404 for a conversation (same code, detail and field), so a refusal reads as an unknown id. */
export const conversationNotFound = (id: string) => new DomainError('CONVERSATION.NOT_FOUND', 'not_found', `conversation ${id} not found`, { conversationId: id });
/** The OpenAI route's own 404 for a model (same code and detail), so a collection the caller may not read reads as an unknown model. */
export const modelNotFound = (id: string) =>
  new DomainError('CONVERSATION.MODEL_NOT_FOUND', 'not_found', `The model \`${id}\` does not exist: the models are acervo and acervo:<collection> (GET /v1/models).`, { model: id });
export const jobNotFound = (id: string) => new DomainError('INGESTION.JOB_NOT_FOUND', 'not_found', `Job ${id} does not exist.`, { id });

/** 429 QUOTA.EXCEEDED: a user's daily token quota is spent until the next UTC midnight. */
export const quotaExceeded = (quota: number, used: number, resetAt: Date, now: Date, reserved = 0) =>
  new DomainError('QUOTA.EXCEEDED', 'too_many_requests', `The daily token quota (${quota} tokens) is spent: ${used} used today (UTC)${reserved ? `, ${reserved} held by calls in progress` : ''}; it resets at ${resetAt.toISOString()}.`, {
    quota,
    used,
    ...(reserved ? { reserved } : {}),
    reset_at: resetAt.toISOString(),
    retryAfterSeconds: Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)),
  });
