import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { type Observable, of } from 'rxjs';
import { DomainError } from '../errors/domain-error';
import { problemFromDomainError, problemOf, type ProblemDetails } from '../errors/problem-details.filter';
import { type JsonInputLimits, jsonInputProblem } from './json-input.guard';
import type { LoadShedder } from './load-shedding';

export interface WsMessageLimits extends JsonInputLimits {
  /** A message's size in bytes (http.json.maxBytes): past it, a 413 REQUEST.TOO_LARGE error event. */
  maxBytes: number;
}

/**
 * Messages past this many times http.json.maxBytes are not even read: `ws` closes the socket with 1009 (Message Too
 * Big). Between the two, the message is answered with a 413 error event and the socket stays usable.
 */
export const WS_MAX_PAYLOAD_FACTOR = 4;

/**
 * Nest's `ws` adapter with the HTTP rules applied to each message (issue 12's review): a message larger than
 * http.json.maxBytes (413 REQUEST.TOO_LARGE), deeper or with more keys than http.json allows (400
 * REQUEST.JSON_TOO_DEEP / 413 REQUEST.JSON_TOO_MANY_KEYS), not JSON (400 REQUEST.MALFORMED_JSON), not an
 * `{"event","data"}` object or naming an unknown event (400 REQUEST.VALIDATION) is answered with an `error` event
 * carrying that problem (Nest's adapter drops such messages silently) and the socket stays open. Each message a
 * gateway handles counts in the same in-flight budget as HTTP requests (http.backpressure.maxInFlight) until its
 * handler settles: past it, a 503 REQUEST.OVERLOADED error event, as the HTTP shedder answers.
 */
export class GuardedWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly limits: WsMessageLimits,
    private readonly shedder: LoadShedder,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}): unknown {
    return super.create(port, { maxPayload: this.limits.maxBytes * WS_MAX_PAYLOAD_FACTOR, ...options });
  }

  override bindMessageHandler(
    buffer: { data?: unknown },
    handlersMap: Map<string, MessageMappingProperties>,
    transform: (data: unknown) => Observable<unknown>,
  ): Observable<unknown> {
    const raw = buffer.data;
    const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : undefined;
    if (text === undefined) return refuse(invalid('a message is one JSON text frame: {"event":"chat","data":{...}}'));
    if (Buffer.byteLength(text) > this.limits.maxBytes) {
      return refuse(
        new DomainError('REQUEST.TOO_LARGE', 'too_large', `The message is larger than the ${this.limits.maxBytes} bytes a WebSocket message may have (http.json.maxBytes).`, {
          limit_bytes: this.limits.maxBytes,
        }),
      );
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return refuse(new DomainError('REQUEST.MALFORMED_JSON', 'invalid', 'The message is not valid JSON.'));
    }
    const tooMuch = jsonInputProblem(message, this.limits, 'The message');
    if (tooMuch) return refuse(tooMuch);
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return refuse(invalid('a message is a JSON object: {"event":"chat","data":{...}}'));
    }
    const { event, data } = message as { event?: unknown; data?: unknown };
    const turn = typeof data === 'object' && data !== null && typeof (data as { turn?: unknown }).turn === 'string' ? (data as { turn: string }).turn.slice(0, 100) : undefined;
    const handler = typeof event === 'string' ? handlersMap.get(event) : undefined;
    if (!handler) return refuse(invalid(`event must be one of: ${[...handlersMap.keys()].join(', ')}`, 'event'), turn);
    const release = this.shedder.tryAcquire();
    if (!release) return of(errorEvent(this.shedder.overloaded(), turn));
    let result: unknown;
    try {
      result = handler.callback(data, event);
    } catch (e) {
      // Nest's handlers answer their own errors (an `exception` event); a throw here must not end the socket's stream
      release();
      return of(errorEvent(problemOf(e), turn));
    }
    return transform(Promise.resolve(result).finally(release));
  }
}

function invalid(message: string, field = 'message'): DomainError {
  return new DomainError('REQUEST.VALIDATION', 'invalid', `Request validation failed: ${field}: ${message}`, { errors: [{ field, message }] });
}

function errorEvent(problem: ProblemDetails, turn?: string): { event: 'error'; turn?: string; data: ProblemDetails } {
  return { event: 'error', ...(turn !== undefined ? { turn } : {}), data: problem };
}

function refuse(e: DomainError, turn?: string): Observable<unknown> {
  return of(errorEvent(problemFromDomainError(e), turn));
}
