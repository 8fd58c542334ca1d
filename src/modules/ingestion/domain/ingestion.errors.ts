import { DomainError } from '../../../shared/errors/domain-error';

export const SUPPORTED_EXTENSIONS = ['.txt', '.md', '.markdown', '.html', '.htm', '.pdf', '.docx', '.json', '.csv'];

export class UnsupportedTypeError extends DomainError {
  constructor(what: string) {
    super(
      'INGESTION.UNSUPPORTED_TYPE',
      'unsupported_media',
      `Unsupported document type: ${what}. Supported: ${SUPPORTED_EXTENSIONS.join(', ')}.`,
      { supported: SUPPORTED_EXTENSIONS },
    );
  }
}

export class EmptyDocumentError extends DomainError {
  constructor(name: string) {
    super('INGESTION.EMPTY_DOCUMENT', 'unprocessable', `Document "${name}" has no extractable text.`, { document: name });
  }
}

export class UnreadableDocumentError extends DomainError {
  constructor(name: string, reason: string) {
    super('INGESTION.UNREADABLE_DOCUMENT', 'unprocessable', `Document "${name}" could not be read: ${reason}`, { document: name });
  }
}

export class DocumentTooLargeError extends DomainError {
  constructor(name: string, limit: string) {
    super('INGESTION.TOO_LARGE', 'too_large', `Document "${name}" is larger than the limit of ${limit}.`, { document: name });
  }
}

export class DocumentNotFoundError extends DomainError {
  constructor(id: string) {
    super('INGESTION.DOCUMENT_NOT_FOUND', 'not_found', `Document ${id} does not exist.`, { id });
  }
}

export class UrlRefusedError extends DomainError {
  constructor(url: string, reason: string) {
    super('INGESTION.URL_REFUSED', 'invalid', `URL refused: ${reason}`, { errors: [{ field: 'url', message: reason }], url });
  }
}

export class FetchFailedError extends DomainError {
  constructor(url: string, reason: string, kind: 'bad_gateway' | 'timeout' = 'bad_gateway') {
    super(kind === 'timeout' ? 'INGESTION.FETCH_TIMEOUT' : 'INGESTION.FETCH_FAILED', kind, `Fetching ${url} failed: ${reason}`, { url });
  }
}

export class InvalidIngestionRequestError extends DomainError {
  constructor(field: string, message: string) {
    super('INGESTION.INVALID_REQUEST', 'invalid', `${field}: ${message}`, { errors: [{ field, message }] });
  }
}

/** The budgets a parser enforces while it reads a file (ingestion.limits and ingestion.maxTextChars). */
export type ParseLimitName = 'maxDecompressedBytes' | 'maxColumns' | 'maxRecords' | 'maxTextChars';

const PARSE_LIMITS: Record<ParseLimitName, { code: string; kind: 'too_large' | 'unprocessable'; key: string; what: string }> = {
  maxDecompressedBytes: { code: 'INGESTION.DECOMPRESSED_TOO_LARGE', kind: 'too_large', key: 'ingestion.limits.maxDecompressedBytes', what: 'bytes once decompressed' },
  maxColumns: { code: 'INGESTION.TOO_MANY_COLUMNS', kind: 'unprocessable', key: 'ingestion.limits.maxColumns', what: 'columns' },
  maxRecords: { code: 'INGESTION.TOO_MANY_RECORDS', kind: 'too_large', key: 'ingestion.limits.maxRecords', what: 'records' },
  maxTextChars: { code: 'INGESTION.TEXT_TOO_LARGE', kind: 'too_large', key: 'ingestion.maxTextChars', what: 'characters of text' },
};

/**
 * A file past one of the parsing budgets, found while reading it (before it is read whole): 413, or 422 for a CSV
 * too wide to be a table of documents. `found` is what was counted, or undefined when reading stopped at the limit.
 */
export class ParseLimitExceededError extends DomainError {
  constructor(name: string, limit: ParseLimitName, max: number, found?: number) {
    const l = PARSE_LIMITS[limit];
    const seen = found === undefined ? 'more than' : `${found}, more than`;
    super(l.code, l.kind, `Document "${name}" has ${seen} the limit of ${max} ${l.what} (${l.key}).`, {
      document: name,
      limit: l.key,
      max,
      ...(found === undefined ? {} : { found }),
    });
  }
}

/** A request's document metadata past ingestion.maxMetadataBytes (as JSON): it is stored with every chunk and listed with the document. */
export class MetadataTooLargeError extends DomainError {
  constructor(max: number, found: number) {
    super('INGESTION.METADATA_TOO_LARGE', 'too_large', `metadata is ${found} bytes of JSON, more than the limit of ${max} (ingestion.maxMetadataBytes).`, {
      errors: [{ field: 'metadata', message: `at most ${max} bytes of JSON (ingestion.maxMetadataBytes)` }],
      limit: 'ingestion.maxMetadataBytes',
      max,
      found,
    });
  }
}

/** A PDF or .docx still being parsed when its time ran out (ingestion.parse.timeoutMs): its parser was stopped. */
export class ParseTimeoutError extends DomainError {
  constructor(name: string, timeoutMs: number) {
    super('INGESTION.PARSE_TIMEOUT', 'unprocessable', `Document "${name}" took longer than ${timeoutMs} ms to parse (ingestion.parse.timeoutMs).`, {
      document: name,
      limit: 'ingestion.parse.timeoutMs',
      max: timeoutMs,
    });
  }
}

/** A PDF or .docx whose parsing needed more heap than a parse worker has (ingestion.parse.maxMemoryMb). */
export class ParseOutOfMemoryError extends DomainError {
  constructor(name: string, maxMemoryMb: number) {
    super('INGESTION.PARSE_OUT_OF_MEMORY', 'too_large', `Document "${name}" needs more than ${maxMemoryMb} MB of memory to parse (ingestion.parse.maxMemoryMb).`, {
      document: name,
      limit: 'ingestion.parse.maxMemoryMb',
      max: maxMemoryMb,
    });
  }
}

/**
 * A PDF or .docx refused before parsing, for the parsers being busy with other files: ingestion.parse.maxQueued files
 * already wait for a parse worker, or this one waited its whole ingestion.parse.timeoutMs for one. Nothing is wrong
 * with the file: transient (503, Retry-After: the queue's files are parsed or refused within timeoutMs).
 */
/** The request of a file closed before the file was parsed (the client went away): nothing was read, nothing stored. */
export class ParseAbandonedError extends DomainError {
  constructor(name: string) {
    super('INGESTION.PARSE_ABANDONED', 'unavailable', `Document "${name}" was not parsed: its request was closed first.`, { document: name });
  }
}

export class ParseBusyError extends DomainError {
  constructor(name: string, maxQueued: number, retryAfterSeconds: number, waitedMs?: number) {
    super(
      'INGESTION.PARSE_BUSY',
      'unavailable',
      waitedMs === undefined
        ? `Document "${name}" was not parsed: ${maxQueued} PDF or .docx files already wait for a parser (ingestion.parse.maxQueued). Retry later.`
        : `Document "${name}" was not parsed: it waited ${Math.round(waitedMs / 1000)} s for a parser busy with other files (ingestion.parse.timeoutMs). Retry later.`,
      { document: name, limit: waitedMs === undefined ? 'ingestion.parse.maxQueued' : 'ingestion.parse.timeoutMs', max: waitedMs === undefined ? maxQueued : waitedMs, retryAfterSeconds },
    );
  }
}

/** Another ingestion run kept writing a version of the same file (or source) for longer than one waits for it. */
export class SourceBusyError extends DomainError {
  constructor(sources: string[], waitedMs: number) {
    super(
      'INGESTION.SOURCE_BUSY',
      'conflict',
      `Another upload of ${sources.slice(0, 3).map((s) => `"${s}"`).join(', ')}${sources.length > 3 ? ` and ${sources.length - 3} more` : ''} was still being written after ${Math.round(waitedMs / 1000)} s; try again later.`,
      { sources: sources.slice(0, 20) },
    );
  }
}
