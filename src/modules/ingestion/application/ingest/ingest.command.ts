import { SourceType } from '../../domain/document';

export interface IngestTextCommand {
  collection: string;
  title: string;
  text: string;
  mimeType: string;
  sourceType: SourceType;
  /** Same source again with new content replaces the document; absent = identified by its content. */
  sourceId?: string;
  sizeBytes?: number;
  metadata?: Record<string, unknown>;
}

export interface IngestResult {
  id: string;
  title: string;
  /** The same content was already stored in this collection: nothing was written. */
  deduplicated: boolean;
  /** An earlier version of the same source was replaced (its chunks swapped atomically). */
  replaced: boolean;
  chunks: number;
}
