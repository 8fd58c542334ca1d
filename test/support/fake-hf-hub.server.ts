import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { ModelFiles } from './tiny-model';

/**
 * A local stand-in for the Hugging Face hub, enough for transformers.js: serves model files under
 * `/{owner}/{name}/resolve/{revision}/{path}` with content-length, honours `Range: bytes=a-b` (206, as the hub
 * does and as transformers.js uses for its size probes), answers HEAD, and - like the hub does for LFS files -
 * redirects `.onnx` downloads to a separate "CDN" path. Every request is recorded. The whole hub (or one file)
 * can be switched to answer 404 / 500, to drop the connection, or to cut a download half-way.
 */

/** ok; not-found: 404; error: 500; close: drop the connection; truncate: send half the body, then drop it. */
export type HubMode = 'ok' | 'not-found' | 'error' | 'close' | 'truncate';

export interface HubRequest {
  method: string;
  /** URL path, e.g. /acervo-test/tiny-bert-pt/resolve/main/config.json */
  path: string;
  range?: string;
  userAgent?: string;
  status: number;
}

export interface FakeHfHubOptions {
  /** Answer `.onnx` resolve requests with 302 to /cdn/... (default true, like the real hub for LFS files). */
  redirectLfs?: boolean;
  /** Send bodies in this many slices with a short pause between them, so download progress has steps. */
  bodySlices?: number;
  /**
   * Awaited before each slice after the first (default: a 20 ms pause). A test can hold the rest of a body
   * until the client has reacted to what it got, which makes progress reporting deterministic.
   */
  betweenSlices?: (file: string, nextSlice: number) => Promise<void>;
}

const CDN_PREFIX = '/cdn-lfs/';

export class FakeHfHub {
  /** Whole-hub behaviour. */
  mode: HubMode = 'ok';
  /** Per-file behaviour, keyed by the path inside the repo (e.g. `onnx/model.onnx`); wins over `mode`. */
  readonly fileModes = new Map<string, HubMode>();
  readonly requests: HubRequest[] = [];
  private readonly repos = new Map<string, ModelFiles>(); // `${model}@${revision}` -> files
  private server?: Server;
  private base?: string;

  constructor(private readonly options: FakeHfHubOptions = {}) {}

  addModel(modelId: string, files: ModelFiles, revision = 'main'): this {
    this.repos.set(`${modelId}@${revision}`, files);
    return this;
  }

  /** Base URL with trailing slash, to use as env.remoteHost. */
  get url(): string {
    if (!this.base) throw new Error('FakeHfHub is not started');
    return this.base;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return this.base;
  }

  /** Stops listening and drops keep-alive connections; afterwards the URL refuses connections. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests whose path ends with `suffix` (all requests when omitted). */
  count(suffix?: string): number {
    return suffix === undefined
      ? this.requests.length
      : this.requests.filter((r) => r.path.endsWith(suffix)).length;
  }

  countsByPath(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.requests) out[r.path] = (out[r.path] ?? 0) + 1;
    return out;
  }

  reset(): void {
    this.requests.length = 0;
    this.mode = 'ok';
    this.fileModes.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://hub').pathname);
    const entry: HubRequest = {
      method: req.method ?? 'GET',
      path,
      range: req.headers.range,
      userAgent: req.headers['user-agent'],
      status: 0,
    };
    this.requests.push(entry);
    const reply = (status: number, body = '', headers: Record<string, string> = {}): void => {
      entry.status = status;
      res.writeHead(status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };

    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed');
    const cdn = path.startsWith(CDN_PREFIX);
    const match = cdn
      ? /^\/cdn-lfs\/(.+)\/([^/]+)\/-\/(.+)$/.exec(path) // /cdn-lfs/{model}/{revision}/-/{file}
      : /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!match) return reply(404, 'Entry not found', { 'x-error-code': 'EntryNotFound' });
    const [, model, revision, file] = match;

    const mode = this.fileModes.get(file) ?? this.mode;
    if (mode === 'close') {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    if (mode === 'error') return reply(500, 'Internal Error');
    const files = this.repos.get(`${model}@${revision}`);
    if (mode === 'not-found' || !files) {
      return reply(404, 'Repository not found', { 'x-error-code': 'RepoNotFound' });
    }
    const body = files.get(file);
    if (!body) return reply(404, 'Entry not found', { 'x-error-code': 'EntryNotFound' });

    const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
    if (!cdn && (this.options.redirectLfs ?? true) && file.endsWith('.onnx')) {
      return reply(302, '', {
        location: `${CDN_PREFIX}${model}/${revision}/-/${file}`,
        'x-linked-etag': etag,
        'x-linked-size': String(body.length),
      });
    }

    const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let status = 200;
    let slice = body;
    const headers: Record<string, string> = {
      'content-type': type,
      etag,
      'accept-ranges': 'bytes',
      'x-repo-commit': 'f'.repeat(40),
    };
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : body.length - 1, body.length - 1);
      if (start >= body.length || start > end) {
        return reply(416, '', { 'content-range': `bytes */${body.length}` });
      }
      status = 206;
      slice = body.subarray(start, end + 1);
      headers['content-range'] = `bytes ${start}-${end}/${body.length}`;
    }
    entry.status = status;
    res.writeHead(status, { ...headers, 'content-length': String(slice.length) });
    if (req.method === 'HEAD') return void res.end();
    if (mode === 'truncate' && status === 200) {
      res.write(slice.subarray(0, Math.floor(slice.length / 2)));
      await new Promise((r) => setTimeout(r, 5));
      entry.status = -1;
      res.destroy();
      return;
    }
    await this.sendBody(res, slice, file);
  }

  private async sendBody(res: ServerResponse, body: Buffer, file: string): Promise<void> {
    const slices = Math.max(1, Math.min(this.options.bodySlices ?? 1, body.length));
    const size = Math.ceil(body.length / slices);
    const between = this.options.betweenSlices ?? (() => new Promise<void>((r) => setTimeout(r, 20)));
    for (let o = 0; o < body.length; o += size) {
      if (o > 0) await between(file, o / size);
      if (res.destroyed) return;
      res.write(body.subarray(o, o + size));
    }
    res.end();
  }
}
