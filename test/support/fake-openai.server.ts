import {
  Fault,
  FakeHttpServer,
  FaultOptions,
  RecordedRequest,
  RouteContext,
  vectorFor,
} from './fake-http.server';

/**
 * A local stand-in for the OpenAI REST API (and the OpenAI-compatible servers: vLLM, LM Studio, Ollama's /v1),
 * speaking the real wire format. Routes live in a table on `http` (FakeHttpServer) so later suites can add
 * POST /v1/chat/completions (including SSE streaming) to the same server with `fake.http.route(...)`.
 *
 * Implemented: POST /v1/embeddings, GET /v1/models.
 */

export interface EmbeddingRequestBody {
  model?: string;
  input?: string | string[] | number[] | number[][];
  encoding_format?: string;
  dimensions?: number;
  user?: string;
}

export interface FakeOpenAiOptions {
  /** Served models and their native dimension. Unknown models get OpenAI's 404 model_not_found. */
  models?: Record<string, number>;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get OpenAI's 401 invalid_api_key. */
  apiKey?: string;
  /** Like some gateways: put the whole presented key into the 401 message (OpenAI itself masks it). */
  echoKeyInErrors?: boolean;
  /** Like LM Studio, older Ollama /v1 or Infinity: always answer with float arrays, whatever encoding_format says. */
  ignoreEncodingFormat?: boolean;
}

const DEFAULT_MODELS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** OpenAI's error envelope. */
export function openAiError(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

export class FakeOpenAiServer {
  readonly http = new FakeHttpServer('fake-openai');
  readonly options: FakeOpenAiOptions;

  constructor(options: FakeOpenAiOptions = {}) {
    this.options = { ...options, models: options.models ?? DEFAULT_MODELS };
    this.http.route('POST /v1/embeddings', (ctx) => this.embeddings(ctx));
    this.http.route('GET /v1/models', ({ res }) =>
      this.http.sendJson(res, 200, {
        object: 'list',
        data: Object.keys(this.options.models ?? {}).map((id) => ({
          id,
          object: 'model',
          created: 1700000000,
          owned_by: 'system',
        })),
      }),
    );
  }

  /** Starts listening; resolves to the base URL clients use, e.g. http://127.0.0.1:PORT/v1. */
  async start(): Promise<string> {
    await this.http.start();
    return this.baseUrl;
  }

  get baseUrl(): string {
    return `${this.http.url}/v1`;
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

  /** 429 as OpenAI sends it, with a `retry-after` header (seconds). */
  rateLimit(retryAfterSeconds: number, options?: FaultOptions): this {
    return this.fail(
      {
        type: 'status',
        status: 429,
        headers: { 'retry-after': String(retryAfterSeconds), 'x-ratelimit-remaining-requests': '0' },
        body: openAiError(
          'Rate limit reached for text-embedding-3-small in organization org-test on requests per min (RPM): Limit 3000, Used 3000, Requested 1.',
          'requests',
          'rate_limit_exceeded',
        ),
      },
      options,
    );
  }

  serverError(options?: FaultOptions): this {
    return this.fail(
      {
        type: 'status',
        status: 500,
        body: openAiError(
          'The server had an error while processing your request. Sorry about that!',
          'server_error',
          null,
        ),
      },
      options,
    );
  }

  unauthorized(options?: FaultOptions): this {
    return this.fail(
      {
        type: 'status',
        status: 401,
        body: openAiError(
          'Incorrect API key provided: sk-te****7890. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          'invalid_api_key',
        ),
      },
      options,
    );
  }

  /** Recorded POST /v1/embeddings requests, with typed bodies. */
  embeddingRequests(): (RecordedRequest & { body: EmbeddingRequestBody })[] {
    return this.http.requestsTo('/v1/embeddings') as (RecordedRequest & { body: EmbeddingRequestBody })[];
  }

  private embeddings({ res, body, req, fault }: RouteContext): void {
    const send = (status: number, payload: unknown) =>
      this.http.sendJson(res, status, payload, { 'openai-processing-ms': '12' });
    if (this.options.apiKey !== undefined) {
      const auth = req.headers.authorization ?? '';
      const presented = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
      if (presented !== this.options.apiKey) {
        const shown = this.options.echoKeyInErrors
          ? presented
          : `${presented.slice(0, 5)}****${presented.slice(-4)}`;
        return send(
          401,
          presented
            ? openAiError(
                `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
                'invalid_request_error',
                'invalid_api_key',
              )
            : openAiError(
                "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                'invalid_request_error',
                null,
              ),
        );
      }
    }
    const request = (body ?? {}) as EmbeddingRequestBody;
    if (typeof request.model !== 'string') {
      return send(400, openAiError('you must provide a model parameter', 'invalid_request_error', null));
    }
    const native = this.options.models?.[request.model];
    if (native === undefined) {
      return send(
        404,
        openAiError(
          `The model \`${request.model}\` does not exist or you do not have access to it.`,
          'invalid_request_error',
          'model_not_found',
        ),
      );
    }
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((x) => typeof x === 'string')) {
      return send(
        400,
        openAiError(
          "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
          'invalid_request_error',
          null,
        ),
      );
    }
    if (inputs.length > 2048) {
      return send(
        400,
        openAiError(
          "'$.input' is invalid: must be an array of at most 2048 items.",
          'invalid_request_error',
          null,
          'input',
        ),
      );
    }
    let dimension = native;
    if (request.dimensions !== undefined) {
      if (!request.model.startsWith('text-embedding-3')) {
        return send(
          400,
          openAiError(
            'This model does not support specifying dimensions.',
            'invalid_request_error',
            null,
            'dimensions',
          ),
        );
      }
      if (!Number.isInteger(request.dimensions) || request.dimensions < 1 || request.dimensions > native) {
        return send(
          400,
          openAiError(
            `Invalid value for 'dimensions' = ${request.dimensions}.`,
            'invalid_request_error',
            null,
            'dimensions',
          ),
        );
      }
      dimension = request.dimensions;
    }
    const format = request.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') {
      return send(
        400,
        openAiError(
          `Invalid value for 'encoding_format': '${format}'. Supported values are: 'float' and 'base64'.`,
          'invalid_request_error',
          null,
          'encoding_format',
        ),
      );
    }
    if (fault?.type === 'dimension') dimension = fault.dimension;
    const base64 = format === 'base64' && !this.options.ignoreEncodingFormat;

    let texts = inputs as string[];
    if (fault?.type === 'count')
      texts =
        fault.delta < 0
          ? texts.slice(0, texts.length + fault.delta)
          : [...texts, ...texts.slice(0, fault.delta)];
    let data = texts.map((text, index) => {
      const v = vectorFor(text, dimension);
      return { object: 'embedding', index, embedding: base64 ? toBase64Float32(v) : v };
    });
    if (fault?.type === 'shuffle') data = [...data].reverse();
    const tokens = texts.reduce((n, t) => n + Math.max(1, t.split(/\s+/).filter(Boolean).length), 0);
    send(200, {
      object: 'list',
      data,
      model: request.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }
}

/** OpenAI's base64 encoding: the little-endian float32 bytes of the vector. */
export function toBase64Float32(v: number[]): string {
  const buf = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}
