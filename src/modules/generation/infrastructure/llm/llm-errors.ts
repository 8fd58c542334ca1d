import { DomainError } from '../../../../shared/errors/domain-error';
import { isObject, networkFailure } from '../../../../shared/net/network-errors';
import { LlmFailedError, LlmTimeoutError, LlmUnavailableError } from '../../domain/generation.errors';
import { withoutUrlCredentials } from '../../../../shared/logging';

/**
 * Error plumbing shared by the network adapters: SDK errors (openai, groq-sdk, ollama-js, fetch) become
 * the domain's LlmFailedError / LlmUnavailableError, with what the resilience layer needs to decide in
 * `details`: the HTTP `status`, whether the failure is `retryable`, and the server's `retryAfterMs`.
 * Nothing here may leak a credential: messages go through safeMessage().
 */

export interface LlmErrorContext {
  /** Where the provider lives (an origin), named in connection messages. */
  endpoint: string;
  /** Values that must never appear in a message (the API key). */
  secrets?: readonly (string | undefined)[];
  /** The configured model, named in model-not-found messages. */
  model?: string;
  /** The call's signal: when it is aborted, its reason is the error (the resilience layer's LlmTimeoutError). */
  signal?: AbortSignal;
  /** Extra advice for a 404 (Ollama: how to pull the model). */
  notFoundHint?: string;
}

/** What the resilience layer reads from a domain error's details. */
export interface LlmErrorDetails {
  status?: number;
  retryable?: boolean;
  retryAfterMs?: number;
}

export function llmErrorDetails(e: unknown): LlmErrorDetails {
  if (!(e instanceof DomainError)) return {};
  const { status, retryable, retryAfterMs } = e.details as Record<string, unknown>;
  return {
    status: typeof status === 'number' ? status : undefined,
    retryable: typeof retryable === 'boolean' ? retryable : undefined,
    retryAfterMs: typeof retryAfterMs === 'number' ? retryAfterMs : undefined,
  };
}

export function isLlmDomainError(e: unknown): e is LlmFailedError | LlmUnavailableError | LlmTimeoutError {
  return e instanceof LlmFailedError || e instanceof LlmUnavailableError || e instanceof LlmTimeoutError;
}

/**
 * Error text from an SDK without anything that looks like a credential. The configured key is removed
 * verbatim whatever it looks like (some gateways echo the presented key in their 401).
 */
export function safeMessage(e: unknown, secrets: readonly (string | undefined)[] = []): string {
  let msg = sdkMessage(e);
  for (const s of secrets) if (s && s.length >= 4) msg = msg.split(s).join('[REDACTED]');
  return withoutUrlCredentials(msg)
    .replace(/\b(sk|gsk|hf|xai|pk)[-_][A-Za-z0-9_*-]{6,}/g, '[REDACTED]')
    .replace(/Bearer\s+\S+/gi, 'Bearer [REDACTED]')
    .replace(/\s*Troubleshooting URL: \S+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);
}

/**
 * The provider's own words. groq-sdk does not unwrap OpenAI's `{error: {message}}` envelope (its messages
 * read `401 {"error":{...}}`) and ollama-js stringifies a non-string `error` to "[object Object]"; both keep
 * the parsed body in `e.error`, which is preferred when it holds a message.
 */
function sdkMessage(e: unknown): string {
  if (!isObject(e)) return String(e);
  const message = typeof e.message === 'string' ? e.message : String(e);
  const body = e.error;
  const inner = isObject(body) && body.error !== undefined ? body.error : body;
  const text =
    typeof inner === 'string'
      ? inner
      : isObject(inner) && typeof inner.message === 'string'
        ? inner.message
        : undefined;
  return text && text !== message ? text : message;
}

/** The HTTP status an SDK error carries: `status` (openai, groq-sdk) or `status_code` (ollama-js). */
export function httpStatusOf(e: unknown): number | undefined {
  if (!isObject(e)) return undefined;
  for (const v of [e.status, e.status_code, e.statusCode]) if (typeof v === 'number' && v >= 100) return v;
  return undefined;
}

/**
 * The wait a 429/503 asks for, in ms: `retry-after-ms` (OpenAI), then `retry-after` as seconds or an
 * HTTP date. Undefined when the server did not say.
 */
export function retryAfterMsOf(e: unknown, now = Date.now()): number | undefined {
  if (!isObject(e)) return undefined;
  const header = (name: string): string | undefined => {
    const h = e.headers;
    if (!isObject(h)) return undefined;
    if (typeof h.get === 'function') {
      const v = (h.get as (n: string) => unknown).call(h, name);
      return typeof v === 'string' ? v : undefined;
    }
    const v = h[name] ?? h[name.toLowerCase()];
    return typeof v === 'string' ? v : undefined;
  };
  return parseRetryAfter(header('retry-after-ms'), header('retry-after'), now);
}

export function parseRetryAfter(
  ms: string | undefined,
  value: string | undefined,
  now = Date.now(),
): number | undefined {
  if (ms !== undefined && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return undefined;
}

/** The abort reason of `signal` as an error to throw (the resilience layer aborts with an LlmTimeoutError). */
export function abortError(signal: AbortSignal, provider: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof DomainError) return reason;
  const err = new LlmFailedError(provider, 'the request was cancelled', { retryable: false, aborted: true });
  err.name = 'AbortError';
  return err;
}

/**
 * Maps anything an adapter caught to a domain error:
 * - aborted by our signal: the signal's reason (timeout) or a cancellation;
 * - 401/403: LlmUnavailableError (the key is refused), not retryable;
 * - 429: LlmUnavailableError (rate limited), retryable after `retryAfterMs`;
 * - 404: LlmFailedError naming the model, not retryable; other 4xx: LlmFailedError, not retryable;
 * - 503: LlmUnavailableError, other 5xx: LlmFailedError, both retryable;
 * - no connection: LlmUnavailableError naming the endpoint, retryable; a dropped connection: LlmFailedError, retryable;
 * - invalid JSON / an unexpected shape: LlmFailedError, not retryable.
 */
export function toLlmError(provider: string, e: unknown, ctx: LlmErrorContext): Error {
  if (ctx.signal?.aborted) return abortError(ctx.signal, provider);
  if (isLlmDomainError(e)) return e;
  const msg = safeMessage(e, ctx.secrets);
  const status = httpStatusOf(e);
  if (status !== undefined) {
    const base = { status };
    if (status === 401 || status === 403) {
      return new LlmUnavailableError(provider, `credentials refused by ${ctx.endpoint} (${status}): ${msg}`, {
        ...base,
        retryable: false,
      });
    }
    if (status === 429 && isQuotaExhausted(e)) {
      // OpenAI's insufficient_quota is a 429 too, but no wait will fix billing.
      return new LlmUnavailableError(provider, `quota exhausted at ${ctx.endpoint} (429): ${msg}`, {
        ...base,
        retryable: false,
      });
    }
    if (status === 429) {
      const retryAfterMs = retryAfterMsOf(e);
      return new LlmUnavailableError(provider, `rate limited by ${ctx.endpoint} (429): ${msg}`, {
        ...base,
        retryable: true,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (status === 404) {
      const model = ctx.model ? `model "${ctx.model}" not found` : 'not found';
      const hint = ctx.notFoundHint ? ` (${ctx.notFoundHint})` : '';
      return new LlmFailedError(provider, `${model} at ${ctx.endpoint} (404): ${msg}${hint}`, {
        ...base,
        retryable: false,
      });
    }
    if (status === 503) {
      const retryAfterMs = retryAfterMsOf(e);
      return new LlmUnavailableError(provider, `${ctx.endpoint} is overloaded (503): ${msg}`, {
        ...base,
        retryable: true,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    return new LlmFailedError(provider, `HTTP ${status} from ${ctx.endpoint}: ${msg}`, {
      ...base,
      retryable: status >= 500 || status === 408 || status === 409,
    });
  }
  const net = networkFailure(e);
  if (net?.kind === 'connect') {
    return new LlmUnavailableError(provider, `cannot connect to ${ctx.endpoint} (${net.code})`, { retryable: true, code: net.code });
  }
  if (net) {
    return new LlmFailedError(provider, `connection to ${ctx.endpoint} dropped (${net.code})`, { retryable: true, code: net.code });
  }
  if (/Did not receive done or success response in stream/.test(msg)) {
    // ollama-js skips lines that are not JSON and then misses the final `done` line.
    return new LlmFailedError(
      provider,
      `the stream from ${ctx.endpoint} ended without its final line (invalid or truncated NDJSON)`,
      {
        retryable: false,
      },
    );
  }
  if (isSyntaxError(e) || /JSON/.test(msg)) {
    return new LlmFailedError(provider, `unreadable response from ${ctx.endpoint} (invalid JSON): ${msg}`, {
      retryable: false,
    });
  }
  if (/terminated|other side closed|socket hang up|fetch failed|connection error/i.test(msg)) {
    return new LlmFailedError(provider, `connection to ${ctx.endpoint} failed: ${msg}`, { retryable: true });
  }
  if (isObject(e) && e.name === 'TypeError') {
    return new LlmFailedError(provider, `unexpected response from ${ctx.endpoint}: ${msg}`, {
      retryable: false,
    });
  }
  return new LlmFailedError(provider, msg || 'unknown error', { retryable: false });
}

function isQuotaExhausted(e: unknown): boolean {
  if (!isObject(e)) return false;
  const body = isObject(e.error) && isObject(e.error.error) ? e.error.error : e.error;
  const code = e.code ?? (isObject(body) ? body.code : undefined);
  return code === 'insufficient_quota' || /exceeded your current quota/i.test(sdkMessage(e));
}

function isSyntaxError(e: unknown, depth = 0): boolean {
  if (depth > 4 || !isObject(e)) return false;
  return e.name === 'SyntaxError' || isSyntaxError(e.cause, depth + 1);
}


export interface LlmFetchOptions {
  /** Remove the Authorization header (OpenAI-compatible servers without a key: the SDK insists on sending one). */
  stripAuthorization?: boolean;
  /** Also abort on this signal (the ollama client does not take a per-call signal). */
  signal?: AbortSignal;
}

/**
 * The fetch handed to the SDKs. fetch's errors come from another realm under jest's vm sandbox and
 * fail `instanceof Error`, which makes LangChain's caller rebuild them from their text and lose the
 * `cause` holding the errno; they are re-created here as local Errors keeping name, code and cause.
 */
export function llmFetch(options: LlmFetchOptions = {}): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let requestInit: RequestInit = { ...init };
    if (options.stripAuthorization) {
      const headers = new Headers(init?.headers);
      headers.delete('authorization');
      requestInit = { ...requestInit, headers };
    }
    if (options.signal) {
      requestInit.signal = init?.signal ? AbortSignal.any([init.signal, options.signal]) : options.signal;
    }
    try {
      return await fetch(input, requestInit);
    } catch (e) {
      throw localError(e);
    }
  };
}

function localError(e: unknown): unknown {
  if (e instanceof Error || !isObject(e) || typeof e.message !== 'string') return e;
  const local = new Error(e.message, { cause: e.cause });
  if (typeof e.name === 'string') local.name = e.name;
  if (e.code !== undefined) Object.assign(local, { code: e.code });
  return local;
}

/** GET `url` and require a 2xx JSON answer; used by the adapters' cheap probe(). */
export async function probeJson(
  provider: string,
  url: string,
  ctx: LlmErrorContext & { headers?: Record<string, string> },
): Promise<unknown> {
  const signal = ctx.signal;
  try {
    const res = await llmFetch()(url, { headers: { accept: 'application/json', ...ctx.headers }, signal });
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        const body = JSON.parse(text) as { error?: unknown };
        const err = body.error;
        if (typeof err === 'string') message = err;
        else if (isObject(err) && typeof err.message === 'string') message = err.message;
      } catch {
        // not JSON: keep the text
      }
      throw Object.assign(new Error(message || res.statusText), { status: res.status, headers: res.headers });
    }
    return JSON.parse(text) as unknown;
  } catch (e) {
    // A 404 here is the URL, not the model.
    throw toLlmError(provider, e, {
      ...ctx,
      model: undefined,
      notFoundHint: `check the base URL: GET ${url}`,
    });
  }
}
