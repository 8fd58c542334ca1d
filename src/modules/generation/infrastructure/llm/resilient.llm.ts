import { Logger, LoggerService } from '@nestjs/common';
import { DomainError } from '../../../../shared/errors/domain-error';
import {
  ChatMessage,
  GenerateOptions,
  Generation,
  LlmInfo,
  LlmProvider,
  StreamEvent,
} from '../../application/ports/llm-provider.port';
import { LlmFailedError, LlmTimeoutError } from '../../domain/generation.errors';
import { abortError, llmErrorDetails, safeMessage } from './llm-errors';

export interface BackoffOptions {
  /** First backoff step (default 500 ms); doubles per attempt, with jitter. */
  baseMs?: number;
  /** Longest backoff step (default 8000 ms). */
  maxMs?: number;
  /** A `retry-after` longer than this is not waited for: the next provider is tried instead (default 30000 ms). */
  maxRetryAfterMs?: number;
}

export interface ResilientLlmOptions {
  /** Per attempt: the whole call for generate(); time to first token and each idle gap for stream(). */
  timeoutMs: number;
  /** Retries per provider on 429 / 5xx / network errors (not on timeouts, 4xx or unreadable answers). */
  maxRetries: number;
  backoff?: BackoffOptions;
  logger?: Pick<LoggerService, 'warn'>;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
}

const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 500, maxMs: 8000, maxRetryAfterMs: 30000 };

/**
 * The LlmProvider the factory hands out: the primary and its fallbacks behind one port.
 * - Each attempt runs under its own AbortSignal with a deadline (timeoutMs); the caller's signal cancels it.
 * - 429 (honouring retry-after up to maxRetryAfterMs), 5xx and network errors are retried up to
 *   maxRetries times with exponential backoff and jitter; then, like any other failure (400, 401/403,
 *   404 model, timeout, unreadable answer), the next provider in the chain is tried.
 * - A stream is retried or handed to the next provider only while it has not emitted a delta:
 *   after that, a failure surfaces (the caller already showed text; repeating it would duplicate it).
 * - Generation.model names whoever answered.
 * Each retry and fallback is logged with provider, status and attempt; messages never carry keys.
 */
export class ResilientLlm implements LlmProvider {
  private readonly backoff: Required<BackoffOptions>;
  private readonly logger: Pick<LoggerService, 'warn'>;
  private readonly random: () => number;

  constructor(
    private readonly chain: readonly LlmProvider[],
    private readonly options: ResilientLlmOptions,
  ) {
    if (chain.length === 0) throw new Error('ResilientLlm needs at least one provider');
    this.backoff = { ...DEFAULT_BACKOFF, ...stripUndefined(options.backoff ?? {}) };
    this.logger = options.logger ?? new Logger('Llm');
    this.random = options.random ?? Math.random;
  }

  /** The primary's identity: what is configured; Generation.model says who actually answered. */
  get info(): LlmInfo {
    return this.chain[0].info;
  }

  /** The model ids tried in order. */
  get providers(): string[] {
    return this.chain.map((p) => p.info.modelId);
  }

  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<Generation> {
    let last: Error | undefined;
    const failures: string[] = [];
    for (let p = 0; p < this.chain.length; p++) {
      const provider = this.chain[p];
      let attempt = 0;
      for (; ; attempt++) {
        const run = new Attempt(provider.info.provider, this.options.timeoutMs, options.signal);
        try {
          run.arm();
          return await raceAbort(provider.generate(messages, { ...options, signal: run.signal }), run.signal);
        } catch (e) {
          run.disarm();
          last = run.errorFor(e);
          if (run.cancelledByCaller) throw last;
          const delay = this.retryDelay(last, attempt);
          if (delay === undefined) break;
          this.logRetry(provider, last, attempt, delay);
          await sleep(delay, options.signal, provider.info.provider);
        } finally {
          run.dispose(false);
        }
      }
      failures.push(`${provider.info.modelId}: ${last ? describe(last, false) : 'no answer'}`);
      this.logFallback(p, attempt + 1, last);
    }
    throw this.finalError(last, failures);
  }

  async *stream(messages: ChatMessage[], options: GenerateOptions = {}): AsyncIterable<StreamEvent> {
    let last: Error | undefined;
    const failures: string[] = [];
    for (let p = 0; p < this.chain.length; p++) {
      const provider = this.chain[p];
      let attempt = 0;
      for (; ; attempt++) {
        const run = new Attempt(provider.info.provider, this.options.timeoutMs, options.signal);
        let emitted = false;
        let finished = false;
        let iterator: AsyncIterator<StreamEvent> | undefined;
        try {
          run.arm();
          iterator = provider.stream(messages, { ...options, signal: run.signal })[Symbol.asyncIterator]();
          for (;;) {
            const step = await raceAbort(iterator.next(), run.signal);
            run.disarm(); // the consumer's pace is not the provider's
            if (step.done) {
              throw new LlmFailedError(provider.info.provider, 'the stream ended without a final event', {
                retryable: true,
              });
            }
            if (step.value.type === 'done') {
              finished = true;
              yield step.value;
              return;
            }
            if (!step.value.text) {
              run.arm();
              continue;
            }
            emitted = true;
            yield step.value;
            run.arm();
          }
        } catch (e) {
          run.disarm();
          last = run.errorFor(e);
          if (run.cancelledByCaller) throw last;
          if (emitted) {
            this.logger.warn(
              `${provider.info.modelId} failed mid-stream after the first token (${describe(last)}): ` +
                'not retried, the partial answer stands',
            );
            throw last;
          }
          const delay = this.retryDelay(last, attempt);
          if (delay === undefined) break;
          this.logRetry(provider, last, attempt, delay);
          await sleep(delay, options.signal, provider.info.provider);
        } finally {
          run.dispose(!finished);
          if (!finished && iterator?.return) void iterator.return().catch(() => undefined);
        }
      }
      failures.push(`${provider.info.modelId}: ${last ? describe(last, false) : 'no answer'}`);
      this.logFallback(p, attempt + 1, last);
    }
    throw this.finalError(last, failures);
  }

  /** The primary's cheap reachability check, under the same deadline as a call. */
  async probe(signal?: AbortSignal): Promise<void> {
    const primary = this.chain[0];
    const run = new Attempt(primary.info.provider, this.options.timeoutMs, signal);
    try {
      run.arm();
      await raceAbort(primary.probe(run.signal), run.signal);
    } catch (e) {
      throw run.errorFor(e);
    } finally {
      run.dispose(false);
    }
  }

  /** How long to wait before retrying the same provider, or undefined to move on. */
  private retryDelay(error: Error, attempt: number): number | undefined {
    if (attempt >= this.options.maxRetries) return undefined;
    const { retryable, retryAfterMs } = llmErrorDetails(error);
    if (!retryable) return undefined;
    if (retryAfterMs !== undefined) {
      if (retryAfterMs > this.backoff.maxRetryAfterMs) {
        this.logger.warn(
          `${error.message}: retry-after ${Math.ceil(retryAfterMs / 1000)} s exceeds ` +
            `${this.backoff.maxRetryAfterMs} ms, not waiting`,
        );
        return undefined;
      }
      return retryAfterMs;
    }
    const step = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** attempt);
    return Math.round(step / 2 + (step / 2) * this.random());
  }

  private logRetry(provider: LlmProvider, error: Error, attempt: number, delayMs: number): void {
    this.logger.warn(
      `${provider.info.modelId} attempt ${attempt + 1}/${this.options.maxRetries + 1} failed ` +
        `(${describe(error)}); retrying in ${delayMs} ms`,
    );
  }

  private logFallback(index: number, attempts: number, error: Error | undefined): void {
    const next = this.chain[index + 1];
    if (!next) return;
    this.logger.warn(
      `${this.chain[index].info.modelId} failed after ${attempts} attempt(s) ` +
        `(${error ? describe(error) : 'no answer'}); falling back to ${next.info.modelId}`,
    );
  }

  /**
   * The last provider's error, carrying in `details.failures` what each provider of the chain said
   * (the last one alone can mislead: an extractive fallback refusing a call without grounding, say).
   */
  private finalError(last: Error | undefined, failures: string[]): Error {
    const error = last ?? new LlmFailedError(this.info.provider, 'no provider answered');
    if (this.chain.length > 1 && error instanceof DomainError) Object.assign(error.details, { failures });
    return error;
  }
}

/** One attempt's signal: the deadline (re-armed per stream event) plus the caller's cancellation. */
class Attempt {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private timedOut = false;
  private readonly onCallerAbort = () => this.controller.abort(this.caller?.reason);

  constructor(
    private readonly provider: string,
    private readonly timeoutMs: number,
    private readonly caller?: AbortSignal,
  ) {
    if (caller?.aborted) this.controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelledByCaller(): boolean {
    return !this.timedOut && !!this.caller?.aborted;
  }

  arm(): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new LlmTimeoutError(this.provider, this.timeoutMs));
    }, this.timeoutMs);
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The error this attempt ended with, in domain terms. */
  errorFor(e: unknown): Error {
    if (this.timedOut) return new LlmTimeoutError(this.provider, this.timeoutMs);
    if (this.caller?.aborted) return abortError(this.caller, this.provider);
    if (e instanceof DomainError) return e;
    return new LlmFailedError(this.provider, safeMessage(e), { retryable: false });
  }

  /** Stops the timer; `abort` also cancels whatever the provider still has in flight. */
  dispose(abort: boolean): void {
    this.disarm();
    this.caller?.removeEventListener('abort', this.onCallerAbort);
    if (abort && !this.controller.signal.aborted) {
      this.controller.abort(new LlmFailedError(this.provider, 'the stream was closed', { retryable: false }));
    }
  }
}

/** `promise`, or the signal's reason as soon as it aborts (a provider that ignores its signal cannot hang us). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined); // settles later when abandoned
  if (signal.aborted) return Promise.reject(asError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(asError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function sleep(ms: number, signal: AbortSignal | undefined, provider: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal, provider));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal, provider));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** "GENERATION.LLM_UNAVAILABLE, HTTP 429: <message>" — the code, the status when there is one, the message. */
function describe(e: Error, withMessage = true): string {
  const { status } = llmErrorDetails(e);
  const code = e instanceof DomainError ? e.code : e.name;
  return `${code}${status !== undefined ? `, HTTP ${status}` : ''}${withMessage ? `: ${e.message}` : ''}`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
