import { DomainError } from '../../../shared/errors/domain-error';

/** The provider answered with an error or an unreadable response (after retries): 502. */
export class LlmFailedError extends DomainError {
  constructor(provider: string, reason: string, extra: Record<string, unknown> = {}) {
    super('GENERATION.LLM_FAILED', 'bad_gateway', `LLM provider "${provider}" failed: ${reason}`, { provider, ...extra });
  }
}

/** The provider cannot be reached, refuses our credentials, or is rate limiting beyond our retries: 503. */
export class LlmUnavailableError extends DomainError {
  constructor(provider: string, reason: string, extra: Record<string, unknown> = {}) {
    super('GENERATION.LLM_UNAVAILABLE', 'unavailable', `LLM provider "${provider}" is unavailable: ${reason}`, { provider, ...extra });
  }
}

/** No answer within the configured timeout: 504. */
export class LlmTimeoutError extends DomainError {
  constructor(provider: string, timeoutMs: number) {
    super('GENERATION.LLM_TIMEOUT', 'timeout', `LLM provider "${provider}" did not answer within ${timeoutMs} ms`, { provider });
  }
}

export class InvalidModelSpecError extends DomainError {
  constructor(message: string, field: string) {
    super('GENERATION.INVALID_MODEL', 'invalid', message, { errors: [{ field, message }] });
  }
}
