import { createHash, randomBytes } from 'node:crypto';

/** Every acervo key starts so; what follows is 32 random bytes (256 bits), base64url. */
export const KEY_MARK = 'acv_';
/** Characters of a key kept and shown to tell keys apart (the mark and 8 random characters). */
export const PREFIX_LENGTH = KEY_MARK.length + 8;

export type KeyRole = 'user' | 'admin';

export interface ApiKey {
  id: string;
  prefix: string;
  role: KeyRole;
  userId: string | null;
  collections: string[] | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export function generateKey(): string {
  return KEY_MARK + randomBytes(32).toString('base64url');
}

/** A key carries 256 random bits: one SHA-256 suffices (no slow hash needed, nothing to guess offline). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function looksLikeKey(credential: string): boolean {
  return credential.startsWith(KEY_MARK);
}
