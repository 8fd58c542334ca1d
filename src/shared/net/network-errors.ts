/**
 * Classifying low-level network failures, shared by every outbound adapter (embedders, LLMs).
 * Node's fetch reports them as TypeError('fetch failed') with the errno somewhere in `cause`
 * (or in an AggregateError's `errors` for happy-eyeballs connects).
 */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const DROP_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export interface NetworkFailure {
  code: string;
  /** connect: never reached the server (unavailable); drop: the connection broke mid-exchange. */
  kind: 'connect' | 'drop';
}

export function isObject(e: unknown): e is Record<string, unknown> {
  return typeof e === 'object' && e !== null;
}

export function networkFailure(e: unknown, depth = 0): NetworkFailure | undefined {
  if (depth > 6 || !isObject(e)) return undefined;
  if (typeof e.code === 'string') {
    if (CONNECT_CODES.has(e.code)) return { code: e.code, kind: 'connect' };
    if (DROP_CODES.has(e.code)) return { code: e.code, kind: 'drop' };
  }
  // fetch refuses ports on the Fetch standard's blocklist (9, 25, 6000, ...) before connecting
  if (e.message === 'bad port') return { code: 'BAD_PORT', kind: 'connect' };
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const found = networkFailure(inner, depth + 1);
      if (found) return found;
    }
  }
  return networkFailure(e.cause, depth + 1);
}
