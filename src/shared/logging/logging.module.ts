import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { DynamicModule, LoggerService, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type Level, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { Options } from 'pino-http';
import { AppConfig } from '../config';
import { maskLogValue, PiiDetector } from '../privacy';

/** Paths pino replaces with [REDACTED]: credentials never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.token',
  'config.*.apiKey',
  // A failed SQL statement (TypeORM QueryFailedError, pg DatabaseError) carries its bound values and
  // Postgres's detail ("Key (...)=(...)"): user content, never logged. The query text and SQLSTATE stay.
  'err.parameters',
  'err.detail',
  'err.driverError.parameters',
  'err.driverError.detail',
  'err.where',
  'err.driverError.where',
];

export function usePrettyLogs(config: AppConfig): boolean {
  if (config.logging.format === 'pretty') return true;
  if (config.logging.format === 'json') return false;
  return process.env.NODE_ENV !== 'production' && !!process.stdout.isTTY;
}

/**
 * Request id: an incoming x-request-id (bounded charset/length) or a fresh UUID, set once on req.id and
 * echoed on the response. Runs as the very first middleware (before body parsing, so even a malformed
 * body gets an id) and again as pino-http's genReqId, where it returns the id already assigned.
 */
/**
 * A caller's x-request-id that is kept: letters, digits and . _ : - (128 at most), with a letter, and no run of 10 or more
 * digits (punctuation between them allowed). Such a run may be a CPF, a CNPJ or a phone number ("529.982.247-25",
 * "tel:5511987654321": probe and review, session 13): an id is logged in every line of its request, and the log's
 * personal-data mask does not apply to it (masked, it would no longer match the header). UUIDs and usual trace ids pass.
 */
const CLIENT_REQUEST_ID = /^(?=[\w.:-]*[A-Za-z])(?![\w.:-]*\d(?:[.:_-]?\d){9})[\w.:-]{1,128}$/;

export function assignRequestId(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  res.setHeader('x-request-id', id);
  return id;
}

/**
 * privacy.maskLogs: every argument of every log call (message, interpolation values, the merged object and
 * the errors in it) has its personal data masked before pino formats the line (issue 11). The request
 * line's URL is masked by the req serializer. One hook for every call site, Nest's logger included.
 */
export function piiMaskingHooks(config: AppConfig): LoggerOptions['hooks'] {
  if (!config.privacy.maskLogs) return undefined;
  const detector = new PiiDetector(config.privacy.patterns);
  return {
    logMethod(args, method) {
      return method.apply(this, args.map((a) => maskLogValue(detector, a)) as Parameters<typeof method>);
    },
  };
}

export function pinoHttpOptions(config: AppConfig): Options {
  const maskUrl = config.privacy.maskLogs ? urlMasker(new PiiDetector(config.privacy.patterns)) : (url: string) => url;
  return {
    level: config.logging.level,
    hooks: piiMaskingHooks(config),
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    genReqId: assignRequestId,
    customLogLevel: requestLogLevel,
    customErrorObject: requestErrorObject,
    customErrorMessage: (_req, res) => `request failed with status ${res.statusCode}`,
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: maskUrl(redactUrl(req.url)) }),
    },
    autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health/live') },
    transport: usePrettyLogs(config)
      ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
      : undefined,
  };
}

/**
 * A 5xx answer is an error, except the readiness probe's 503, which is how a replica that is still
 * loading (or whose database is down) says so: the probe's own body names the failing check.
 */
export function requestLogLevel(req: IncomingMessage, res: ServerResponse, err?: Error): 'error' | 'warn' | 'info' {
  if (res.statusCode === 503 && (req.url ?? '').startsWith('/health/')) return 'warn';
  if (err || res.statusCode >= 500) return 'error';
  return res.statusCode >= 400 ? 'warn' : 'info';
}

/**
 * For a 5xx with no thrown error pino-http invents `Error('failed with status code N')`, whose stack
 * points into pino-http itself. The cause is already logged once by the problem-details filter under the
 * same request id, so the access line keeps the status and drops the invented error.
 */
export function requestErrorObject(
  _req: IncomingMessage,
  res: ServerResponse & { err?: unknown },
  error: Error,
  val: Record<string, unknown>,
): Record<string, unknown> {
  if (res.err || !/^failed with status code \d+$/.test(error.message)) return val;
  const { err: _invented, ...rest } = val;
  return rest;
}

/** A path or query string can carry an e-mail or a CPF (/v1/users/ana@x.com/memory, ?q=...): masked decoded. */
function urlMasker(detector: PiiDetector): (url: string) => string {
  return (url) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.replace(/\+/g, ' '));
    } catch {
      decoded = url;
    }
    const masked = detector.mask(decoded);
    return masked === decoded ? url : masked;
  };
}

/** Query strings can carry tokens (?api_key=...); keep the path and the parameter names only. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const names = [...new Set([...params.keys()])];
  return `${url.slice(0, q)}?${names.map((n) => (/key|token|secret|password|auth/i.test(n) ? `${n}=[REDACTED]` : `${n}=${params.get(n)}`)).join('&')}`;
}

/**
 * Nest's logger from the start of a boot until the app's pino logger takes over, and for a boot that fails:
 * one line per message in the configured format (JSON with LOG_FORMAT=json, else pino-pretty), written
 * synchronously so a line printed just before process.exit is not lost. An error's stack is not printed:
 * a refused start (the data dir held by another process, a port in use) is one clean line. Nest's
 * ExceptionHandler line is left out: the failure is thrown to the caller, which reports it once (main.ts).
 */
export function bootLogger(config: AppConfig, destination?: DestinationStream): LoggerService {
  const sink =
    destination ??
    (usePrettyLogs(config)
      ? pretty({ sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ fd: 1, sync: true }));
  const log = pino({ level: config.logging.level, base: { pid: process.pid, hostname: hostname() }, hooks: piiMaskingHooks(config) }, sink);
  const write =
    (level: Level) =>
    (message: unknown, ...params: unknown[]): void => {
      // Nest's loggers pass (message, stack?, context): the context is the last string, the stack is dropped.
      const context = typeof params[params.length - 1] === 'string' ? (params[params.length - 1] as string) : undefined;
      if (context === 'ExceptionHandler') return;
      log[level](context ? { context } : {}, message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message));
    };
  return { log: write('info'), error: write('error'), warn: write('warn'), debug: write('debug'), verbose: write('trace'), fatal: write('fatal') };
}

@Module({})
export class LoggingModule {
  /** Logs go to stdout, or to `destination` when the embedding code passes one (the tests capture them per suite). */
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const options = pinoHttpOptions(config);
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: destination ? [{ ...options, transport: undefined }, destination] : options,
          forRoutes: ['*path'],
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
