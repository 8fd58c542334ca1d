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
