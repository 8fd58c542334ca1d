import type { LoggerService } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '../errors/domain-error';
import { databaseProblem, ProblemDetails, problemFromDomainError } from '../errors/problem-details.filter';

/** Whether the client's connection is already gone (its `close` may have been emitted before anyone listened). */
function connectionGone(res: Response): boolean {
  return res.destroyed || res.req?.socket?.destroyed === true;
}

/**
 * An AbortSignal that fires when the client goes away before the response is finished; aborted at once when it is
 * gone already (a client that hung up while a guard awaited: its `close` came before this listener).
 */
export function clientAbortSignal(res: Response): AbortSignal {
  const abort = new AbortController();
  if (!res.writableFinished && connectionGone(res)) abort.abort();
  else
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
  return abort.signal;
}

/** Calls `fn` once when the response is finished or abandoned: at once when that has already happened. */
export function onResponseEnd(res: Response, fn: () => void): void {
  if (res.writableFinished || connectionGone(res)) return fn();
  res.once('finish', fn);
  res.once('close', fn);
}

/**
 * Server-Sent Events from an async sequence of events. The first event is awaited before any header is
 * sent, so errors that happen before it (bad collection, provider down) still get a problem+json status.
 * A failure after streaming started is sent as an `error` event (problem+json body), then the stream ends
 * (`errorEvent` sends it another way: the OpenAI route's `data: {"error": {...}}`).
 * An event with no name is sent as a bare `data:` line; string data is written as it is.
 */
export async function sendSse<E>(
  req: Request & { id?: unknown },
  res: Response,
  events: AsyncIterable<E>,
  toSse: (event: E) => { event?: string; data: unknown } | null,
  opts: { signal: AbortSignal; logger: LoggerService; what: string; errorEvent?: (problem: ProblemDetails) => { event?: string; data: unknown } },
): Promise<void> {
  const it = events[Symbol.asyncIterator]();
  const first = await it.next();
  res.status(200);
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  res.setHeader('cache-control', 'no-cache, no-transform');
  res.setHeader('x-accel-buffering', 'no');
  res.flushHeaders();
  // No event name: a plain `data:` message (the OpenAI stream format); a string is sent as it is ("[DONE]").
  const send = (event: string | undefined, data: unknown) =>
    res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  try {
    for (let step = first; !step.done; step = await it.next()) {
      const out = toSse(step.value);
      if (out) send(out.event, out.data);
      if (opts.signal.aborted) {
        // the client went away: the sequence is ended (its `finally` runs: the model call is recorded, the stream closed)
        await it.return?.(undefined);
        break;
      }
    }
  } catch (e) {
    if (opts.signal.aborted) {
      // the client closed the stream: routine, not a server error (and there is nobody to send an error event to)
      opts.logger.debug?.(`client closed the ${opts.what} stream`);
      return;
    }
    // a database down or out of connections is 503 DATABASE.UNAVAILABLE here too, as the HTTP filter answers it
    const problem =
      e instanceof DomainError
        ? problemFromDomainError(e)
        : (databaseProblem(e) ?? { type: 'https://acervo.dev/problems/internal', title: 'Internal Server Error', status: 500, detail: `The ${opts.what} stream failed.`, code: 'INTERNAL' });
    if (!(e instanceof DomainError)) opts.logger.error({ err: e }, `${opts.what} stream failed`);
    const failed = { ...problem, requestId: req.id === undefined ? undefined : String(req.id) };
    const out = opts.errorEvent ? opts.errorEvent(failed) : { event: 'error', data: failed };
    send(out.event, out.data);
  } finally {
    res.end();
  }
}
