import { EmbedderFailedError, EmbedderUnavailableError } from '../../domain/retrieval.errors';
import { isObject, networkFailure } from '../../../../shared/net/network-errors';
import { withoutUrlCredentials } from '../../../../shared/logging';

/** Converts provider output to unit-length Float32Arrays and checks the dimension. */
export function toUnitVectors(
  provider: string,
  rows: ArrayLike<number>[],
  expected: number | undefined,
  count: number,
): Float32Array[] {
  if (rows.length !== count)
    throw new EmbedderFailedError(provider, `expected ${count} vectors, got ${rows.length}`);
  return rows.map((row) => {
    if (expected !== undefined && row.length !== expected) {
      throw new EmbedderFailedError(
        provider,
        `returned ${row.length}-d vectors but ${expected} were configured`,
      );
    }
    const v = Float32Array.from(row);
    let n = 0;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]))
        throw new EmbedderFailedError(provider, 'returned a vector with non-finite values');
      n += v[i] * v[i];
    }
    if (n > 0) {
      const inv = 1 / Math.sqrt(n);
      for (let i = 0; i < v.length; i++) v[i] *= inv;
    }
    return v;
  });
}

/**
 * Error text from an SDK, without anything that looks like a credential. `secrets` (the configured API
 * key) are removed verbatim, whatever they look like: some gateways echo the presented key in their 401.
 */
export function safeMessage(e: unknown, secrets: readonly (string | undefined)[] = []): string {
  let msg = e instanceof Error ? e.message : String(e);
  for (const s of secrets) if (s && s.length >= 4) msg = msg.split(s).join('[REDACTED]');
  return withoutUrlCredentials(msg)
    .replace(/(sk|gsk|hf)[-_][A-Za-z0-9_-]{6,}/g, '[REDACTED]')
    .replace(/Bearer\s+\S+/gi, 'Bearer [REDACTED]')
    .slice(0, 500);
}

export interface ProviderErrorContext {
  /** Where the provider lives (an origin), named in connection and timeout messages. */
  endpoint?: string;
  /** The per-request deadline, named in timeout messages. */
  timeoutMs?: number;
  /** Values that must never appear in a message (API keys). */
  secrets?: readonly (string | undefined)[];
}

/**
 * Maps an SDK error to the domain: no connection to 503 (unavailable), timeouts to 504, everything
 * else the provider did to 502.
 */
export function providerError(provider: string, e: unknown, context: ProviderErrorContext = {}): Error {
  if (e instanceof EmbedderFailedError || e instanceof EmbedderUnavailableError) return e;
  const msg = safeMessage(e, context.secrets);
  const where = context.endpoint ?? 'the server';
  const net = networkFailure(e);
  if (net?.kind === 'connect') return new EmbedderUnavailableError(provider, `cannot connect to ${where} (${net.code})`);
  const name = isObject(e) && typeof e.name === 'string' ? e.name : '';
  if (/timeout|timed out|aborted/i.test(`${name} ${msg}`)) {
    const reason =
      context.timeoutMs !== undefined ? `no response from ${where} within ${context.timeoutMs} ms` : msg;
    return new EmbedderFailedError(provider, reason, 'timeout');
  }
  return new EmbedderFailedError(provider, msg, 'bad_gateway');
}

/**
 * A fetch whose deadline covers the whole exchange, headers and body (the OpenAI SDK's own timeout stops
 * at the headers; the Ollama client has none). On expiry it rejects with an Error named TimeoutError whose
 * message says "timed out", which both SDKs classify as a timeout.
 */
export function fetchWithDeadline(timeoutMs: number): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await fetch(input, { ...init, signal });
    } catch (e) {
      if (!deadline.aborted) throw asError(e);
      const timeout = new Error(`request timed out after ${timeoutMs} ms`);
      timeout.name = 'TimeoutError';
      throw timeout;
    }
  };
}

/**
 * fetch's errors may come from another realm (under jest's vm sandbox, say) and fail `instanceof Error`;
 * LangChain's retry wrapper then rebuilds them from their text alone and the `cause` holding the errno is
 * lost. Re-create them as local Errors, keeping name, code and cause.
 */
function asError(e: unknown): unknown {
  if (e instanceof Error || !isObject(e) || typeof e.message !== 'string') return e;
  const local = new Error(e.message, { cause: e.cause });
  if (typeof e.name === 'string') local.name = e.name;
  if (e.code !== undefined) Object.assign(local, { code: e.code });
  return local;
}

/** OpenAI's `encoding_format: base64`: little-endian float32 bytes. */
export function decodeBase64Float32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length % 4 !== 0)
    throw new Error(`base64 embedding of ${bytes.length} bytes is not a float32 array`);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
