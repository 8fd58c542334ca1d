import { Transform } from 'class-transformer';
import type { Request } from 'express';

/**
 * Who is calling, once a credential was verified (access module's AuthGuard): an API key, a JWT, or the
 * bootstrap ADMIN_API_KEY. `collections`, when set, bounds what the caller may touch at all (a key bound to
 * some collections, or a token's collections claim). Lives in shared so the admin guard can read it.
 */
export interface Principal {
  role: 'user' | 'admin';
  userId?: string;
  collections?: string[];
  via: 'api-key' | 'jwt' | 'bootstrap';
  /** The stored key's id (api-key) or the token's `jti`/subject (jwt), for logs and audit. */
  ref?: string;
  /** A stored key's prefix (acv_ and 8 characters), as listed: quota.keys may name a key by it. */
  keyPrefix?: string;
}

/**
 * A user id: what POST /v1/chat's user_id and a user key's user may be, and a token's user claim must be to chat.
 * `|` for identity providers' subjects (Auth0 `auth0|5f7c…`, `google-oauth2|1234`); any script's letters
 * (`joão.silva@empresa.com.br`).
 */
export const USER_ID_PATTERN = /^[\p{L}\p{M}\p{N}_.@:+|-]{1,128}$/u;
/** USER_ID_PATTERN in words, for error messages. */
export const USER_ID_RULE = '1-128 letters (accented too), digits or . _ @ : + - |';

/**
 * A user id as it is stored and matched: in Unicode NFC. "joão" typed on macOS arrives decomposed ("a" + U+0303) and
 * must be the user whose memory DELETE /v1/users/jo%C3%A3o/memory forgets. Anything but a string is left to validation.
 */
export function nfcUserId<T>(value: T): T {
  return (typeof value === 'string' ? value.normalize('NFC') : Array.isArray(value) ? value.map((v) => nfcUserId(v)) : value) as T;
}

/** A DTO's user id field (or list of them), put in NFC before it is validated. */
export const NfcUserId = (): PropertyDecorator => Transform(({ value }) => nfcUserId(value));

export type RequestWithPrincipal = Request & { principal?: Principal };

export function principalOf(req: Request): Principal | undefined {
  return (req as RequestWithPrincipal).principal;
}
