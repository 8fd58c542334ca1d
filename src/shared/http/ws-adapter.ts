import type { IncomingMessage } from 'node:http';
import { type INestApplicationContext, Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { type Observable, of } from 'rxjs';
import type { WebSocket, WebSocketServer } from 'ws';
import { DomainError } from '../errors/domain-error';
import { problemFromDomainError, problemOf, type ProblemDetails } from '../errors/problem-details.filter';
import { type JsonInputLimits, jsonInputProblem, LONE_SURROGATE } from './json-input.guard';
import type { LoadShedder } from './load-shedding';
import { firstCodePoints } from '../text/code-points';

export interface WsMessageLimits extends JsonInputLimits {
  /** A message's size in bytes (http.json.maxBytes): past it, a 413 REQUEST.TOO_LARGE error event. */
  maxBytes: number;
}

/**
 * Messages past this many times http.json.maxBytes are not even read: `ws` closes the socket with 1009 (Message Too
 * Big). Between the two, the message is answered with a 413 error event and the socket stays usable.
 */
export const WS_MAX_PAYLOAD_FACTOR = 4;

/** http.ws: the sockets a process keeps open, and how a dead or idle one is found (0 turns each off). */
export interface WsSocketLimits {
  maxConnections: number;
  pingIntervalMs: number;
  idleTimeoutMs: number;
}

/** The close code of a socket past http.ws.maxConnections (RFC 6455's "Try Again Later"), reason REQUEST.OVERLOADED. */
export const WS_TRY_AGAIN_LATER = 1013;
/** The close code of a socket idle for http.ws.idleTimeoutMs (as HTTP's 408), reason REQUEST.IDLE_TIMEOUT. */
export const WS_IDLE_TIMEOUT = 4408;

/** Past the process's socket cap, one warning per this long (with the count), as the load shedder logs. */
const REFUSED_LOG_INTERVAL_MS = 10_000;

/** What the adapter tracks of an open socket: whether it answered the last ping, its turns running, its idle timer. */
interface Liveness {
  alive: boolean;
  turns: number;
  idle?: NodeJS.Timeout;
}

/**
 * Nest's `ws` adapter with the HTTP rules applied to each message (issue 12's review): a message larger than
 * http.json.maxBytes (413 REQUEST.TOO_LARGE), deeper or with more keys than http.json allows (400
 * REQUEST.JSON_TOO_DEEP / 413 REQUEST.JSON_TOO_MANY_KEYS), not JSON (400 REQUEST.MALFORMED_JSON), not an
 * `{"event","data"}` object or naming an unknown event (400 REQUEST.VALIDATION) is answered with an `error` event
 * carrying that problem (Nest's adapter drops such messages silently) and the socket stays open. Each message a
 * gateway handles counts in the same in-flight budget as HTTP requests (http.backpressure.maxInFlight) until its
 * handler settles: past it, a 503 REQUEST.OVERLOADED error event, as the HTTP shedder answers.
 *
 * Sockets themselves are bounded too (probe s15 finding 1: one client held thousands, and with them the process's file
 * descriptors): past http.ws.maxConnections open sockets a new one is closed at once with 1013 REQUEST.OVERLOADED
 * (the gateway never sees it); every socket is pinged each http.ws.pingIntervalMs and dropped when it did not answer
 * the previous ping (a peer gone without a FIN), and closed with 4408 REQUEST.IDLE_TIMEOUT after http.ws.idleTimeoutMs
 * without a message or a turn running. A client's protocol error (a frame `ws` cannot read: bad UTF-8, unmasked,
 * too big) closes its socket as `ws` decides and is logged once per socket at debug level, without a stack: it is the
 * client's fault, not the service's (Nest's adapter logs each at error level).
 */
export class GuardedWsAdapter extends WsAdapter {
  private readonly log = new Logger('WsAdapter');
  private readonly liveness = new WeakMap<WebSocket, Liveness>();
  private refusedSinceLog = 0;
  private lastRefusedLog = 0;

  constructor(
    app: INestApplicationContext,
    private readonly limits: WsMessageLimits,
    private readonly shedder: LoadShedder,
    private readonly sockets: WsSocketLimits,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}): unknown {
    const server = super.create(port, { maxPayload: this.limits.maxBytes * WS_MAX_PAYLOAD_FACTOR, ...options }) as WebSocketServer;
    this.heartbeat(server);
    return server;
  }

  /** Nest's, without a stack at error level for what a client sent wrong (see the class comment). */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (client: WebSocket) => {
      let logged = false;
      client.on('error', (err: Error & { code?: string }) => {
        if (logged) return;
        logged = true;
        if (err.code?.startsWith('WS_ERR_')) this.log.debug({ code: err.code }, `WebSocket closed on the client's protocol error: ${err.message}`);
        else this.log.error(err);
      });
    });
    server.on('error', (err) => this.log.error(err));
    return server;
  }

  /** A socket past http.ws.maxConnections is closed with 1013 before the gateway admits it; the others are watched. */
  override bindClientConnect(server: WebSocketServer, callback: (client: WebSocket, req: IncomingMessage) => void): void {
    server.on('connection', (client: WebSocket, req: IncomingMessage) => {
      const max = this.sockets.maxConnections;
      if (max > 0 && server.clients.size > max) return this.refuse(client, max);
      this.watch(client);
      callback(client, req);
    });
  }

  /** A turn running keeps its socket from being idle: counted from the handler's call until it settles. */
  override bindMessageHandlers(client: WebSocket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    const s = this.liveness.get(client);
    const counted = (result: unknown) => {
      if (!s) return transform(result);
      s.turns++;
      return transform(
        Promise.resolve(result).finally(() => {
          s.turns--;
          s.idle?.refresh();
        }),
      );
    };
    super.bindMessageHandlers(client, handlers, counted);
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
    const isObject = typeof message === 'object' && message !== null && !Array.isArray(message);
    const { event, data } = (isObject ? message : {}) as { event?: unknown; data?: unknown };
    // read before the message's checks, so that their error events name the turn too (not a turn that is not text)
    const given = typeof data === 'object' && data !== null ? (data as { turn?: unknown }).turn : undefined;
    const turn = wsTurnId(given);
    // its fields named as sent (`data.message`), the message as a whole "The message"
    const tooMuch = jsonInputProblem(message, this.limits, '', 'The message');
    if (tooMuch) return refuse(tooMuch, turn);
    if (!isObject) return refuse(invalid('a message is a JSON object: {"event":"chat","data":{...}}'));
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

  private refuse(client: WebSocket, max: number): void {
    client.close(WS_TRY_AGAIN_LATER, 'REQUEST.OVERLOADED');
    this.refusedSinceLog++;
    const now = Date.now();
    if (now - this.lastRefusedLog < REFUSED_LOG_INTERVAL_MS) return;
    this.log.warn({ refused: this.refusedSinceLog, maxConnections: max }, `${this.refusedSinceLog} WebSocket(s) refused: ${max} open already (http.ws.maxConnections)`);
    this.refusedSinceLog = 0;
    this.lastRefusedLog = now;
  }

  /** Pongs and messages prove the peer alive; no message and no turn for http.ws.idleTimeoutMs closes the socket. */
  private watch(client: WebSocket): void {
    const s: Liveness = { alive: true, turns: 0 };
    this.liveness.set(client, s);
    client.on('pong', () => (s.alive = true));
    client.on('message', () => {
      s.alive = true;
      s.idle?.refresh();
    });
    const idleMs = this.sockets.idleTimeoutMs;
    if (idleMs > 0) {
      s.idle = setTimeout(() => {
        if (s.turns > 0) return void s.idle?.refresh();
        if (client.readyState === client.OPEN) client.close(WS_IDLE_TIMEOUT, 'REQUEST.IDLE_TIMEOUT');
      }, idleMs).unref();
    }
    client.once('close', () => clearTimeout(s.idle));
  }

  /** Every http.ws.pingIntervalMs: a socket that did not answer the previous ping is dropped, the others pinged. */
  private heartbeat(server: WebSocketServer): void {
    const every = this.sockets.pingIntervalMs;
    if (every <= 0) return;
    const timer = setInterval(() => {
      for (const client of server.clients) {
        const s = this.liveness.get(client);
        if (!s || client.readyState !== client.OPEN) continue;
        if (!s.alive) {
          client.terminate();
          continue;
        }
        s.alive = false;
        client.ping();
      }
    }, every).unref();
    server.once('close', () => clearInterval(timer));
  }
}

/** A turn id is at most this many code points: the rest of a longer one is cut off. */
export const WS_TURN_MAX_CODE_POINTS = 100;

/**
 * The turn id a chat message's `data.turn` names, cut to WS_TURN_MAX_CODE_POINTS code points (never between the halves
 * of a surrogate pair: its events carry Unicode text); undefined when it is not text (not a string, or a lone surrogate).
 */
export function wsTurnId(given: unknown): string | undefined {
  return typeof given === 'string' && !LONE_SURROGATE.test(given) ? firstCodePoints(given, WS_TURN_MAX_CODE_POINTS) : undefined;
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
