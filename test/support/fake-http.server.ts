import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { mulberry32 } from '../../src/shared/random';

/**
 * A tiny scriptable HTTP server for adapter tests: a route table ("POST /v1/embeddings" -> handler),
 * a log of every request, and a queue of faults that replace or delay the next matching responses.
 * Provider fakes (fake-openai.server.ts, fake-ollama.server.ts) register their routes on it.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
  /** When the request arrived (Date.now()), to check the spacing of retries. */
  at: number;
  /** Set when the client closed the connection before the response was complete (a timeout or cancel). */
  abandoned?: boolean;
  /** The fault applied to this request, if any. */
  fault?: Fault;
}

/**
 * What to do instead of (or before) the normal response.
 * - status: answer with this status, body (JSON-encoded unless a string) and headers;
 * - malformed: 200 with Content-Type application/json and a truncated JSON body;
 * - delay: wait, then answer normally (the route handler runs);
 * - hang: never answer (the socket is closed when the server stops);
 * - stall: send 200 headers and the start of a JSON body, then nothing more;
 * - reset: destroy the connection without answering;
 * - anything else is left to the route handler, which reads it from `ctx.fault`
 *   (dimension: vectors of this size; count: `delta` vectors more or fewer than inputs; shuffle: data out of order;
 *   for streamed chat answers, after `afterDeltas` content chunks: stream-stall stops sending and keeps the
 *   connection open, stream-error sends the provider's in-band error event, stream-drop destroys the
 *   connection, stream-malformed sends a line of broken JSON).
 */
export type Fault =
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { type: 'malformed' }
  | { type: 'delay'; ms: number }
  | { type: 'hang' }
  | { type: 'stall' }
  | { type: 'reset' }
  | { type: 'dimension'; dimension: number }
  | { type: 'count'; delta: number }
  | { type: 'shuffle' }
  | { type: 'stream-stall'; afterDeltas: number }
  | { type: 'stream-error'; afterDeltas: number; message?: string }
  | { type: 'stream-drop'; afterDeltas: number }
  | { type: 'stream-malformed'; afterDeltas: number };

export interface FaultOptions {
  /** How many matching requests get the fault (default 1); Infinity for all until reset(). */
  times?: number;
  /** Only requests to this path (default: any path). */
  path?: string;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  recorded: RecordedRequest;
  body: unknown;
  /** A fault the base server did not handle itself (dimension, count, shuffle), for the handler to honour. */
  fault?: Fault;
}

export type RouteHandler = (ctx: RouteContext) => void | Promise<void>;

interface ScheduledFault {
  fault: Fault;
  remaining: number;
  path?: string;
}

export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, RouteHandler>();
  private faults: ScheduledFault[] = [];
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private baseUrl?: string;

  constructor(private readonly name = 'fake') {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent)
          this.sendJson(res, 500, { error: `${this.name}: ${e instanceof Error ? e.message : String(e)}` });
      });
    });
    // Node closes an idle keep-alive socket after 5 s. A suite that leaves the client idle longer on a loaded
    // machine (between ingest and ask) would then reuse a closed socket: ECONNRESET, and a 502 where the suite set
    // maxRetries 0. Real providers keep sockets longer, and the default maxRetries retries a dropped connection.
    this.server.keepAliveTimeout = 120_000;
  }

  /** Registers a handler; `key` is "METHOD /path" (exact path, query string ignored), or "METHOD /prefix/*". */
  route(key: string, handler: RouteHandler): this {
    this.routes.set(key, handler);
    return this;
  }

  /** Listens on 127.0.0.1 with an ephemeral port; resolves to the origin (http://127.0.0.1:port). */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this.baseUrl;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.name} server not started`);
    return this.baseUrl;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Applies `fault` to the next `times` matching requests (queued after faults already scheduled). */
  fail(fault: Fault, options: FaultOptions = {}): this {
    this.faults.push({ fault, remaining: options.times ?? 1, path: options.path });
    return this;
  }

  /** Forgets scheduled faults and recorded requests (call in beforeEach). */
  reset(): void {
    this.faults = [];
    this.requests.length = 0;
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  private takeFault(path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.path === undefined || f.path === path);
    if (i < 0) return undefined;
    const scheduled = this.faults[i];
    scheduled.remaining -= 1;
    if (scheduled.remaining <= 0) this.faults.splice(i, 1);
    return scheduled.fault;
  }

  private sleep(ms: number, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
      res.once('close', () => {
        clearTimeout(t);
        this.timers.delete(t);
        resolve();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body,
      rawBody,
      at: Date.now(),
    };
    this.requests.push(recorded);
    res.once('close', () => {
      if (!res.writableEnded) recorded.abandoned = true;
    });

    const key = `${recorded.method} ${path}`;
    const handler = this.routes.get(key) ?? [...this.routes].find(([k]) => k.endsWith('*') && key.startsWith(k.slice(0, -1)))?.[1];
    if (!handler) {
      this.sendJson(res, 404, { error: `${this.name}: no route for ${recorded.method} ${path}` });
      return;
    }
    const fault = this.takeFault(path);
    recorded.fault = fault;
    switch (fault?.type) {
      case 'status':
        this.sendJson(res, fault.status, fault.body ?? '', fault.headers);
        return;
      case 'malformed':
        this.sendJson(res, 200, '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,');
        return;
      case 'hang':
        return;
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.write('{"object":"list","data":[');
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'delay':
        await this.sleep(fault.ms, res);
        if (res.destroyed || res.writableEnded) return; // the client gave up
        await handler({ req, res, recorded, body });
        return;
      default:
        await handler({ req, res, recorded, body, fault });
    }
  }
}

/** Deterministic pseudo-random vector for a text (FNV-1a seed, mulberry32), not normalized, values in [-2, 2]. */
export function vectorFor(text: string, dimension: number): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const rand = mulberry32(h >>> 0);
  const out: number[] = [];
  for (let i = 0; i < dimension; i++) out.push(Math.fround(rand() * 4 - 2));
  return out;
}

export function normalize(v: ArrayLike<number>): number[] {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  return Array.from(v, (x) => x * inv);
}
