import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { FieldError } from './domain-error';
import { PROTO_KEY, PROTO_KEY_MESSAGE } from './proto-key';

/**
 * Keys that class-transformer and Nest's pipe cannot carry: `constructor` (its value is taken for a class: a
 * string there threw a TypeError, a 500), `prototype` (deleted by the pipe) and every other name of
 * Object.prototype (`toString`, `valueOf`…: dropped, as the new object already has them). Free-form fields
 * (document metadata, filters, the OpenAI tools' JSON schemas) may hold them, so they cross the transformer
 * under an escaped name and get theirs back after validation; in a DTO they are unknown fields like any other.
 * `__proto__` alone is refused (proto-key.ts: the same rule for JSON form fields and the ingest CLI's --metadata).
 */
const ESCAPE = '\u0000acervo:';
const PROTO_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype).concat('prototype'));
/** Far beyond http.json.maxDepth (max 1000): guards the walks below (WebSocket frames skip the JSON parser's limits). */
const MAX_DEPTH = 1000;

const unescapeKey = (key: string): string => (key.startsWith(ESCAPE) ? key.slice(ESCAPE.length) : key);

function escapeKeys(value: unknown, path: string, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) throw validationFailed([{ field: path || 'body', message: `nests deeper than ${MAX_DEPTH} levels` }]);
  if (Array.isArray(value)) return value.map((v, i) => escapeKeys(v, `${path}[${i}]`, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value; // Buffer, Date…
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    if (key === PROTO_KEY) throw validationFailed([{ field, message: PROTO_KEY_MESSAGE }]);
    const name = PROTO_NAMES.has(key) || key.startsWith(ESCAPE) ? ESCAPE + key : key;
    out[name] = escapeKeys(v, field, depth + 1);
  }
  return out;
}

/**
 * Gives escaped keys their names back, in place. It walks arrays and objects tagged `[object Object]` only: plain
 * objects and the DTO instances the transformer made (escaped keys sit in plain objects under them). A Buffer,
 * typed array, Date or Map is left unread: an uploaded file's Buffer enumerated byte by byte made one string per
 * byte (a 20 MB upload blocked the process ~15 s).
 */
function unescapeKeys(value: unknown, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return;
  if (!Array.isArray(value) && Object.prototype.toString.call(value) !== '[object Object]') return;
  for (const key of Object.keys(value)) {
    const record = value as Record<string, unknown>;
    const v = record[key];
    if (key.startsWith(ESCAPE)) {
      delete record[key];
      Object.defineProperty(record, unescapeKey(key), { value: v, enumerable: true, writable: true, configurable: true });
    }
    unescapeKeys(v, depth + 1);
  }
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const property = unescapeKey(e.property);
    const field = prefix ? `${prefix}.${property}` : property;
    const own = messagesOf(e.constraints ?? {}).map((message) => ({ field, message: message.split(e.property).join(property) }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** A value that is not a number at all (`limit=abc`) is told so, not also that it is out of a range it has no place in. */
function messagesOf(constraints: Record<string, string>): string[] {
  const notNumber = constraints.isInt ?? constraints.isNumber;
  return notNumber ? [notNumber] : Object.values(constraints);
}

export function validationFailed(list: FieldError[]): BadRequestException {
  return new BadRequestException({
    message: `Request validation failed: ${list.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    code: 'REQUEST.VALIDATION',
    errors: list,
  });
}

/** A JSON body of [] or "x" is valid JSON but no DTO: one clear error instead of one per missing field. */
export function requireObjectBody(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw validationFailed([{ field: 'body', message: 'the request body must be a JSON object' }]);
  }
}

class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) requireObjectBody(value ?? {}); // no body: field errors
    const result: unknown = await super.transform(escapeKeys(value, '', 0), metadata);
    unescapeKeys(result);
    return result;
  }
}

/** class-validator pipe whose failures become problem+json with errors[] (400, code REQUEST.VALIDATION). */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });
}

/**
 * Validates a value against a DTO class outside the global pipe: for routes whose clients send fields we do
 * not know (the OpenAI-compatible API: unknown fields are dropped, not refused) and for WebSocket messages.
 * Failures are the pipe's 400 REQUEST.VALIDATION.
 */
export async function validateDto<T extends object>(cls: new () => T, value: unknown, opts: { allowUnknown: boolean }): Promise<T> {
  requireObjectBody(value);
  const instance = plainToInstance(cls, escapeKeys(value, '', 0));
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: !opts.allowUnknown });
  if (errors.length) throw validationFailed(flatten(errors));
  unescapeKeys(instance);
  return instance;
}
