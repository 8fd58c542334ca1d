import { PROTO_KEY, PROTO_KEY_MESSAGE, protoKeyPath } from '../../../../shared/errors/proto-key';
import { recordLine } from './record-line';
import { ParsedDocument, RawDocument } from '../../application/ports/parser.port';
import { ParseLimitExceededError, UnreadableDocumentError } from '../../domain/ingestion.errors';
import { decodeText, stem } from './text-decoding';

const TEXT_KEYS = ['text', 'content', 'body', 'texto', 'conteudo'];
const TITLE_KEYS = ['title', 'name', 'titulo', 'nome'];

/**
 * `{title, text, metadata}` (or content/body) is one document; an array of them is many (source
 * `#i`); any other JSON becomes one document of `path: value` lines so it is still searchable.
 */
export function parseJson(raw: RawDocument, limits?: { maxRecords: number }): ParsedDocument[] {
  let value: unknown;
  try {
    value = JSON.parse(decodeText(raw.buffer, raw.filename));
  } catch (e) {
    throw new UnreadableDocumentError(raw.filename, `invalid JSON (${(e as Error).message})`);
  }
  // flattening (and every later walk of metadata) recurses: a file nested 50,000 levels overflowed the stack (a 500)
  const depth = nestingDepth(value, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    throw new UnreadableDocumentError(raw.filename, `its values nest more than ${MAX_JSON_DEPTH} levels deep`);
  }
  // ingestion.limits.maxRecords: a top-level array is counted before any document is built from it
  if (limits && Array.isArray(value) && value.length > limits.maxRecords) {
    throw new ParseLimitExceededError(raw.filename, 'maxRecords', limits.maxRecords, value.length);
  }
  const base = stem(raw.filename);
  if (Array.isArray(value) && value.length > 0 && value.every(isRecordWithText)) {
    return value.map((v, i) => ({ ...fromRecord(v, `${base} #${i + 1}`, raw.filename), sourceSuffix: `#${i}` }));
  }
  if (isRecordWithText(value)) return [fromRecord(value, base, raw.filename)];
  // a list of flat records (a contact list, a table export): one line per record, so each record reads (and is quoted) whole
  if (Array.isArray(value) && value.length > 0 && value.every(isFlatRecord)) {
    return [{ title: base, text: value.map(recordLine).join('\n'), mimeType: 'application/json', metadata: {}, records: value.length }];
  }
  return [{ title: base, text: flatten(value).join('\n'), mimeType: 'application/json', metadata: {}, ...(Array.isArray(value) ? { records: value.length } : {}) }];
}

/** Deeper JSON files are refused (422 INGESTION.UNREADABLE_DOCUMENT); request bodies stop at http.json.maxDepth. */
export const MAX_JSON_DEPTH = 256;

/** Levels of objects and arrays in `value`, counted without recursion and only up to `limit` + 1. */
function nestingDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, depth + 1);
    if (max > limit) return max;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return max;
}

function isFlatRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => x === null || typeof x !== 'object');
}


function isRecordWithText(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && TEXT_KEYS.some((k) => typeof (v as Record<string, unknown>)[k] === 'string');
}

function fromRecord(v: Record<string, unknown>, fallbackTitle: string, filename: string): ParsedDocument {
  // a record's fields become the document's metadata: the rule of the metadata field and of the CLI's --metadata
  const proto = Object.hasOwn(v, PROTO_KEY) ? PROTO_KEY : protoKeyPath(v.metadata, 'metadata');
  if (proto) throw new UnreadableDocumentError(filename, `${PROTO_KEY_MESSAGE} (${proto})`);
  const textKey = TEXT_KEYS.find((k) => typeof v[k] === 'string')!;
  const titleKey = TITLE_KEYS.find((k) => typeof v[k] === 'string');
  const explicit = v.metadata && typeof v.metadata === 'object' && !Array.isArray(v.metadata) ? (v.metadata as Record<string, unknown>) : {};
  const rest = Object.fromEntries(
    Object.entries(v).filter(([k, x]) => k !== textKey && k !== titleKey && k !== 'metadata' && (x === null || typeof x !== 'object')),
  );
  return {
    title: titleKey ? String(v[titleKey]) : fallbackTitle,
    text: String(v[textKey]),
    mimeType: 'application/json',
    metadata: { ...rest, ...explicit },
  };
}

function flatten(v: unknown, path = ''): string[] {
  if (v === null || typeof v !== 'object') return v === null || v === '' ? [] : [`${path || 'value'}: ${String(v)}`];
  if (Array.isArray(v)) return v.flatMap((x, i) => flatten(x, `${path}[${i}]`));
  return Object.entries(v).flatMap(([k, x]) => flatten(x, path ? `${path}.${k}` : k));
}
