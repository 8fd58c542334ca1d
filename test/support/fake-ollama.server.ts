import { ChatScript, promptTokens, ScriptedReply, streamFault, writeStream } from './fake-chat';
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
 * POST /api/embed, POST /api/chat, GET /api/tags, GET /api/version, GET / ("Ollama is running").
 * Like Ollama, /api/embed returns L2-normalized vectors; model names resolve with an implicit ":latest" tag.
 * /api/chat streams NDJSON unless `stream: false` (Ollama's default is to stream): one line per piece, then a
 * `done: true` line with done_reason, prompt_eval_count and eval_count. Replies are scripted with `reply(...)`.
 */

export interface OllamaChatRequestBody {
  model?: string;
  messages?: { role?: string; content?: unknown }[];
  stream?: boolean;
  keep_alive?: string | number;
  options?: { temperature?: number; num_predict?: number; [key: string]: unknown };
}

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
  /** Pulled chat models (default: llama3.2). */
  chatModels?: string[];
}

export class FakeOllamaServer {
  readonly http = new FakeHttpServer('fake-ollama');
  readonly models: Map<string, number>;
  readonly chatModels: Set<string>;
  /** Scripted chat replies, in order. */
  readonly chat = new ChatScript();

  constructor(options: FakeOllamaOptions = {}) {
    this.chatModels = new Set((options.chatModels ?? ['llama3.2']).map(withTag));
    this.models = new Map(
      Object.entries(options.models ?? { 'nomic-embed-text': 768 }).map(([name, dim]) => [
        withTag(name),
        dim,
      ]),
    );
    this.http.route('POST /api/embed', (ctx) => this.embed(ctx));
    this.http.route('POST /api/chat', (ctx) => this.chatRoute(ctx));
    this.http.route('GET /api/version', ({ res }) => this.http.sendJson(res, 200, { version: '0.12.6' }));
    this.http.route('GET /api/tags', ({ res }) =>
      this.http.sendJson(res, 200, {
        models: [...this.models.keys(), ...this.chatModels].map((name) => ({
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
    this.chat.reset();
  }

  /** Queues chat replies for the next /api/chat requests, in order. */
  reply(...replies: (string | ScriptedReply)[]): this {
    this.chat.reply(...replies);
    return this;
  }

  chatRequests(): (RecordedRequest & { body: OllamaChatRequestBody })[] {
    return this.http.requestsTo('/api/chat') as (RecordedRequest & { body: OllamaChatRequestBody })[];
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

  private async chatRoute({ res, body, fault }: RouteContext): Promise<void> {
    const request = (body ?? {}) as OllamaChatRequestBody;
    if (!request.model) return this.http.sendJson(res, 400, { error: 'model is required' });
    if (!this.chatModels.has(withTag(request.model))) {
      return this.http.sendJson(res, 404, {
        error: `model "${request.model}" not found, try pulling it first`,
      });
    }
    if (!Array.isArray(request.messages)) {
      return this.http.sendJson(res, 400, { error: 'invalid message format: messages must be an array' });
    }
    const numPredict = request.options?.num_predict;
    const { pieces, finishReason, content, hold } = this.chat.next(
      typeof numPredict === 'number' && numPredict > 0 ? numPredict : undefined,
    );
    const createdAt = () => new Date().toISOString();
    const final = (text: string) => ({
      model: request.model,
      created_at: createdAt(),
      message: { role: 'assistant', content: text },
      done_reason: finishReason,
      done: true,
      total_duration: 1_250_000_000,
      load_duration: 25_000_000,
      prompt_eval_count: promptTokens(request.messages),
      prompt_eval_duration: 120_000_000,
      eval_count: pieces.length,
      eval_duration: 1_100_000_000,
    });
    if (request.stream === false) return this.http.sendJson(res, 200, final(content));

    const line = (o: unknown) => `${JSON.stringify(o)}\n`;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    await writeStream(res, {
      pieces,
      head: [],
      delta: (piece) =>
        line({
          model: request.model,
          created_at: createdAt(),
          message: { role: 'assistant', content: piece },
          done: false,
        }),
      tail: [line(final(''))],
      fault: streamFault(fault),
      hold,
      errorLine: (message) => line({ error: message }),
      malformedLine: `{"model":"${request.model}","created_at":"${createdAt()}","message":{"role":"assistant","content":"tru\n`,
    });
  }
}

function withTag(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}
