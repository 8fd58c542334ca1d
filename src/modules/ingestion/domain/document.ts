import { createHash } from 'node:crypto';

export type SourceType = 'upload' | 'json' | 'url';

export interface KnowledgeDocument {
  id: string;
  collection: string;
  /** Identity of the source within its collection (file name, URL, caller's source_id, or the content hash). */
  sourceId: string;
  sourceType: SourceType;
  title: string;
  contentHash: string;
  mimeType: string;
  sizeBytes: number;
  charCount: number;
  chunkCount: number;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** Text as it will be chunked: Unicode NFC, Unix newlines, no trailing spaces per line, trimmed. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .split('\u0000')
    .join('')
    .trim();
}

/** SHA-256 of the normalized text: the same content hashes the same whatever its file name or format. */
export function contentHash(normalized: string): string {
  return createHash('sha256').update(normalized, 'utf8').digest('hex');
}
