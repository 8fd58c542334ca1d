/**
 * Base of every error the application layer throws on purpose. Plain TS: no HTTP here.
 * `kind` says what went wrong in domain terms; the problem+json filter maps kinds to statuses.
 */
export type DomainErrorKind =
  | 'invalid' // 400/422: the input cannot be processed
  | 'unprocessable' // 422: well-formed but empty or unreadable
  | 'not_found' // 404
  | 'conflict' // 409
  | 'too_large' // 413
  | 'unsupported_media' // 415
  | 'forbidden' // 403
  | 'unauthorized' // 401
  | 'too_many_requests' // 429: a quota is spent (details.retryAfterSeconds sets Retry-After)
  | 'unavailable' // 503: a dependency is down
  | 'bad_gateway' // 502: a dependency answered wrongly
  | 'timeout'; // 504

export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    /** Stable, documented code such as INGESTION.UNSUPPORTED_TYPE. */
    readonly code: string,
    readonly kind: DomainErrorKind,
    message: string,
    readonly details: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
