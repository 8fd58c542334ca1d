import {
  Fault,
  FakeHttpServer,
  FaultOptions,
  normalize,
  RecordedRequest,
  RouteContext,
  vectorFor,
} from './fake-http.server';

/**
 * A local stand-in for Ollama's native API, speaking its wire format:
 * POST /api/embed, GET /api/tags, GET /api/version, GET / ("Ollama is running").
 * Like Ollama, /api/embed returns L2-normalized vectors; model names resolve with an implicit ":latest" tag.
 */

export interface OllamaEmbedRequestBody {
  model?: string;
  input?: string | string[];
  truncate?: boolean;
  keep_alive?: string | number;
  options?: Record<string, unknown>;
  dimensions?: number;
  stream?: boolean;
}

export interface FakeOllamaOptions {
  /** Pulled models and their dimension (names without a tag mean ":latest"). */
  models?: Record<string, number>;
}

export class FakeOllamaServer {
  readonly http = new FakeHttpServer('fake-ollama');
  readonly models: Map<string, number>;

  constructor(options: FakeOllamaOptions = {}) {
    this.models = new Map(
      Object.entries(options.models ?? { 'nomic-embed-text': 768 }).map(([name, dim]) => [
        withTag(name),
        dim,
      ]),
    );
    this.http.route('POST /api/embed', (ctx) => this.embed(ctx));
    this.http.route('GET /api/version', ({ res }) => this.http.sendJson(res, 200, { version: '0.12.6' }));
    this.http.route('GET /api/tags', ({ res }) =>
      this.http.sendJson(res, 200, {
        models: [...this.models.keys()].map((name) => ({
          name,
          model: name,
          modified_at: '2025-01-01T00:00:00Z',
          size: 274302450,
        })),
      }),
    );
    this.http.route('GET /', ({ res }) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Ollama is running');
    });
  }

  /** Starts listening; resolves to the base URL (http://127.0.0.1:PORT), as OLLAMA_BASE_URL would be set. */
  start(): Promise<string> {
    return this.http.start();
  }

  get baseUrl(): string {
    return this.http.url;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  reset(): void {
    this.http.reset();
  }

  fail(fault: Fault, options?: FaultOptions): this {
    this.http.fail(fault, options);
    return this;
  }

  /** What Ollama answers when the model runner crashes. */
  serverError(options?: FaultOptions): this {
    return this.fail(
      { type: 'status', status: 500, body: { error: 'llama runner process has terminated: exit status 2' } },
      options,
    );
  }

  /** What Ollama answers when OLLAMA_MAX_QUEUE is exceeded. */
  busy(options?: FaultOptions): this {
    return this.fail(
      {
        type: 'status',
        status: 503,
        body: { error: 'server busy, please try again.  maximum pending requests exceeded' },
      },
      options,
    );
  }

  embedRequests(): (RecordedRequest & { body: OllamaEmbedRequestBody })[] {
    return this.http.requestsTo('/api/embed') as (RecordedRequest & { body: OllamaEmbedRequestBody })[];
  }

  private embed({ res, body, fault }: RouteContext): void {
    const request = (body ?? {}) as OllamaEmbedRequestBody;
    if (!request.model) return this.http.sendJson(res, 400, { error: 'model is required' });
    const native = this.models.get(withTag(request.model));
    if (native === undefined) {
      return this.http.sendJson(res, 404, {
        error: `model "${request.model}" not found, try pulling it first`,
      });
    }
    const inputs = typeof request.input === 'string' ? [request.input] : (request.input ?? []);
    if (!Array.isArray(inputs) || !inputs.every((x) => typeof x === 'string')) {
      return this.http.sendJson(res, 400, { error: 'invalid input type' });
    }
    let dimension = request.dimensions ?? native;
    if (fault?.type === 'dimension') dimension = fault.dimension;
    let texts = inputs;
    if (fault?.type === 'count')
      texts =
        fault.delta < 0
          ? texts.slice(0, texts.length + fault.delta)
          : [...texts, ...texts.slice(0, fault.delta)];
    let embeddings = texts.map((t) => normalize(vectorFor(t, dimension)));
    if (fault?.type === 'shuffle') embeddings = [...embeddings].reverse();
    this.http.sendJson(res, 200, {
      model: request.model,
      embeddings,
      total_duration: 14_143_917,
      load_duration: 1_019_500,
      prompt_eval_count: texts.reduce((n, t) => n + Math.max(1, t.split(/\s+/).filter(Boolean).length), 0),
    });
  }
}

function withTag(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}
