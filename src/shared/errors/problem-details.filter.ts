import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, DomainErrorKind, FieldError } from './domain-error';
import { sendProblem } from './openai-error';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const KIND_STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unprocessable: 422,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media: 415,
  forbidden: 403,
  unauthorized: 401,
  too_many_requests: 429,
  unavailable: 503,
  bad_gateway: 502,
  timeout: 504,
};

const STATUS_CODE: Record<number, string> = {
  400: 'REQUEST.INVALID',
  401: 'REQUEST.UNAUTHORIZED',
  403: 'REQUEST.FORBIDDEN',
  404: 'REQUEST.NOT_FOUND',
  405: 'REQUEST.METHOD_NOT_ALLOWED',
  406: 'REQUEST.NOT_ACCEPTABLE',
  408: 'REQUEST.TIMEOUT',
  409: 'REQUEST.CONFLICT',
  413: 'REQUEST.TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  422: 'REQUEST.UNPROCESSABLE',
  429: 'REQUEST.RATE_LIMITED',
};

export const PROBLEM_TYPE_BASE = 'https://acervo.dev/problems/';

/** Builds a problem+json body for a domain error (also used by code that writes errors outside Nest). */
export function problemFromDomainError(err: DomainError): ProblemDetails {
  const status = KIND_STATUS[err.kind];
  // `retryable` / `retryAfterMs` steer our own retries; they are not part of the public problem.
  const { errors, retryable: _retryable, retryAfterMs: _retryAfterMs, retryAfterSeconds: _retryAfterSeconds, ...extra } = err.details;
  // Extra details first: a detail named like a core member (an upstream `status`) must not override it.
  return {
    ...extra,
    type: PROBLEM_TYPE_BASE + err.code.toLowerCase().replace(/[._]/g, '-'),
    title: titleFor(status),
    status,
    detail: err.message,
    code: err.code,
    ...(errors ? { errors } : {}),
  };
}

function titleFor(status: number): string {
  const name = (HttpStatus as unknown as Record<number, string>)[status] ?? 'ERROR';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/**
 * The one global filter: every error leaves as application/problem+json (RFC 9457) with a stable
 * `code` and the request id (on the OpenAI-compatible routes, in OpenAI's error shape: sendProblem). Unknown errors are logged with their stack and answered as a generic
 * 500 that reveals nothing internal.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  /** `retryAfterSeconds`: the Retry-After of a 503 DATABASE.UNAVAILABLE (a connection wait that timed out, a lost database). */
  constructor(private readonly opts: { retryAfterSeconds?: number } = {}) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const problem = problemOf(exception);
    problem.instance = req.originalUrl ?? req.url;
    if (req.id !== undefined) problem.requestId = String(req.id);

    if (clientWentAway(req, res)) {
      // The client closed its connection first (a cancelled request or stream): routine, not a server error.
      this.logger.debug(`client closed the connection before the answer (${problem.code})`);
      return;
    }
    if (problem.status >= 500) {
      this.logger.error({ err: exception, code: problem.code }, `request failed: ${problem.detail}`);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (problem.code === 'DATABASE.UNAVAILABLE') res.setHeader('Retry-After', String(this.opts.retryAfterSeconds ?? 1));
    const retryAfter = exception instanceof DomainError ? exception.details.retryAfterSeconds : undefined;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    sendProblem(req, res, problem);
  }
}

/**
 * The problem+json body of any error: a DomainError by its kind, a body-parser or database failure, an HttpException;
 * anything else a generic 500 that reveals nothing internal (the HTTP filter and the background jobs share it).
 */
export function problemOf(exception: unknown): ProblemDetails {
  if (exception instanceof DomainError) return problemFromDomainError(exception);
  const bodyParserError = bodyParserProblem(exception);
  if (bodyParserError) return bodyParserError;
  const database = databaseProblem(exception);
  if (database) return database;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const obj = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const errors = Array.isArray(obj.errors) ? (obj.errors as FieldError[]) : undefined;
    const detail = typeof obj.message === 'string' ? obj.message : typeof body === 'string' ? body : exception.message;
    const code = typeof obj.code === 'string' ? obj.code : (STATUS_CODE[status] ?? `HTTP.${status}`);
    return {
      type: PROBLEM_TYPE_BASE + code.toLowerCase().replace(/[._]/g, '-'),
      title: titleFor(status),
      status,
      detail,
      code,
      ...(errors ? { errors } : {}),
    };
  }
  return {
    type: PROBLEM_TYPE_BASE + 'internal',
    title: 'Internal Server Error',
    status: 500,
    detail: 'An unexpected error occurred. It has been logged with this request id.',
    code: 'INTERNAL',
  };
}

/**
 * The client closed its connection before the answer was written: nothing can be answered, and nothing failed here.
 * Judged by the connection and the response, never by `req.destroyed`, which is true of any request whose body was read.
 */
export function clientWentAway(req: { socket?: { destroyed?: boolean } | null }, res: { destroyed?: boolean; writableFinished?: boolean }): boolean {
  return res.writableFinished !== true && (res.destroyed === true || req.socket?.destroyed === true);
}

/**
 * Errors raised while a request is read, before routing: express body-parser's (malformed JSON, body too
 * large; they carry a status and a type) and the DomainErrors of the JSON input guard.
 */
export function bodyParserProblem(e: unknown): ProblemDetails | undefined {
  if (e instanceof DomainError) return problemFromDomainError(e);
  if (!e || typeof e !== 'object' || e instanceof HttpException) return undefined;
  const err = e as { status?: number; type?: string; message?: string };
  if (typeof err.status !== 'number' || err.status < 400 || err.status >= 500) return undefined;
  const code =
    err.type === 'entity.parse.failed'
      ? 'REQUEST.MALFORMED_JSON'
      : err.type === 'entity.too.large'
        ? 'REQUEST.TOO_LARGE'
        : (STATUS_CODE[err.status] ?? `HTTP.${err.status}`);
  const detail = err.type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : (err.message ?? 'Bad request');
  return { type: PROBLEM_TYPE_BASE + code.toLowerCase().replace(/[._]/g, '-'), title: titleFor(err.status), status: err.status, detail, code };
}

/** SQLSTATE classes of a database that is unreachable, restarting or out of connections (not of a bad statement). */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)/;
/** The pg driver's own errors for a lost or refused connection carry no SQLSTATE. */
const CONNECTION_LOST = /Connection terminated|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|EPIPE|Client has encountered a connection error/;

/**
 * The database, not the request, failed: a statement cancelled by statement_timeout (57014), or a database
 * that is down, restarting or refusing connections. 503 (retry later), with nothing of the SQL. Any other
 * database error stays a 500: it is a bug.
 */
export function databaseProblem(e: unknown): ProblemDetails | undefined {
  if (!e || typeof e !== 'object' || e instanceof HttpException) return undefined;
  const err = e as { code?: unknown; message?: unknown };
  // no SQLSTATE class starts with E; errnos (EPIPE) do
  const sqlstate = typeof err.code === 'string' && /^(?!E)[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
  let code: string;
  let detail: string;
  if (sqlstate === '57014') {
    code = 'DATABASE.TIMEOUT';
    detail = 'The database cancelled the statement: it ran longer than database.statementTimeoutMs. Narrow the request or retry later.';
  } else if (sqlstate ? UNAVAILABLE_SQLSTATE.test(sqlstate) : CONNECTION_LOST.test(String(err.message ?? ''))) {
    code = 'DATABASE.UNAVAILABLE';
    detail = 'The database is unavailable (restarting, or its connection was lost). Retry in a moment.';
  } else {
    return undefined;
  }
  return { type: PROBLEM_TYPE_BASE + code.toLowerCase().replace(/[._]/g, '-'), title: titleFor(503), status: 503, detail, code };
}
