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
  /** A record of a file of many (CSV rows, a JSON array): see FileScope. */
  file?: FileScope;
}

/**
 * The file a record comes from, whose source ids are `<source>#<suffix>` (or `<source>` for a file of one). A record is
 * deduplicated against another document of its file only when this run already stored that one as is (a repeated row):
 * any other may be replaced or removed by this run (a JSON array with a record put first had the moved record
 * deduplicated to its old place, which the first record then took). `keep`, on the file's last record only: the source ids of the file's new
 * version; the file's other documents are deleted with the write of that record (its transaction), so uploading a file
 * again replaces it whole.
 */
export interface FileScope {
  source: string;
  keep?: ReadonlySet<string>;
}

/** A document of an earlier version of a file that its new version no longer has: deleted with its chunks. */
export interface RemovedDocument {
  id: string;
  title: string;
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
