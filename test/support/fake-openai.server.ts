import { IncomingMessage } from 'node:http';
import { ChatScript, promptTokens, ScriptedReply, streamFault, writeStream } from './fake-chat';
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
 * speaking the real wire format. Routes live in a table on `http` (FakeHttpServer).
 *
 * Implemented: POST /v1/embeddings, GET /v1/models, POST /v1/chat/completions (JSON, and SSE with
 * `stream: true`, the usage chunk when `stream_options.include_usage`, then `data: [DONE]`); and Groq's
 * flavour of the same API under /openai/v1 (GET /openai/v1/models, POST /openai/v1/chat/completions with
 * `x_groq` on the chunks and the usage in `x_groq.usage` of the last one), as groq-sdk calls it.
 * Chat replies are scripted per test with `reply(...)`; a scripted reply with `toolCalls` answers (JSON) with the
 * model asking for tools, as OpenAI does: `content: null`, `tool_calls[{id, type: "function", function: {name,
 * arguments (a JSON string)}}]`, finish_reason "tool_calls".
 */

export interface ChatRequestBody {
  model?: string;
  messages?: { role?: string; content?: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
}

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
  /** Served chat models (OpenAI and Groq routes). Unknown models get the 404 model_not_found. */
  chatModels?: string[];
  /** Groq route: also send OpenAI's separate usage chunk (empty choices) when include_usage is asked for. */
  groqUsageChunk?: boolean;
}

const DEFAULT_CHAT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'llama-3.3-70b-versatile', 'llama-3.1-8b-instant'];

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

  /** Scripted chat replies (both flavours), in order. */
  readonly chat = new ChatScript();
  private sequence = 0;

  constructor(options: FakeOpenAiOptions = {}) {
    this.options = {
      ...options,
      models: options.models ?? DEFAULT_MODELS,
      chatModels: options.chatModels ?? DEFAULT_CHAT_MODELS,
    };
    this.http.route('POST /v1/embeddings', (ctx) => this.embeddings(ctx));
    this.http.route('GET /v1/models', (ctx) => this.listModels(ctx));
    this.http.route('POST /v1/chat/completions', (ctx) => this.chatCompletions(ctx, 'openai'));
    this.http.route('GET /openai/v1/models', (ctx) => this.listModels(ctx));
    this.http.route('POST /openai/v1/chat/completions', (ctx) => this.chatCompletions(ctx, 'groq'));
  }

  /** Queues chat replies for the next chat requests (OpenAI or Groq route), in order. */
  reply(...replies: (string | ScriptedReply)[]): this {
    this.chat.reply(...replies);
    return this;
  }

  /** Origin only, as GROQ_BASE_URL is set (groq-sdk appends /openai/v1/...). */
  get origin(): string {
    return this.http.url;
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
    this.chat.reset();
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

  /** Recorded chat requests (POST /v1/chat/completions, or Groq's /openai/v1/chat/completions), with typed bodies. */
  chatRequests(flavour: 'openai' | 'groq' = 'openai'): (RecordedRequest & { body: ChatRequestBody })[] {
    const path = flavour === 'groq' ? '/openai/v1/chat/completions' : '/v1/chat/completions';
    return this.http.requestsTo(path) as (RecordedRequest & { body: ChatRequestBody })[];
  }

  /** Recorded POST /v1/embeddings requests, with typed bodies. */
  embeddingRequests(): (RecordedRequest & { body: EmbeddingRequestBody })[] {
    return this.http.requestsTo('/v1/embeddings') as (RecordedRequest & { body: EmbeddingRequestBody })[];
  }

  /** OpenAI's 401 body when `apiKey` is configured and the request does not present it; undefined when allowed. */
  private authError(req: IncomingMessage): unknown {
    if (this.options.apiKey === undefined) return undefined;
    const auth = req.headers.authorization ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (presented === this.options.apiKey) return undefined;
    const shown = this.options.echoKeyInErrors
      ? presented
      : `${presented.slice(0, 5)}****${presented.slice(-4)}`;
    return presented
      ? openAiError(
          `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          'invalid_request_error',
          'invalid_api_key',
        )
      : openAiError(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          'invalid_request_error',
          null,
        );
  }

  private embeddings({ res, body, req, fault }: RouteContext): void {
    const send = (status: number, payload: unknown) =>
      this.http.sendJson(res, status, payload, { 'openai-processing-ms': '12' });
    const denied = this.authError(req);
    if (denied !== undefined) return send(401, denied);
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

  private listModels({ req, res }: RouteContext): void {
    const denied = this.authError(req);
    if (denied !== undefined) return this.http.sendJson(res, 401, denied);
    const ids = [...Object.keys(this.options.models ?? {}), ...(this.options.chatModels ?? [])];
    this.http.sendJson(res, 200, {
      object: 'list',
      data: ids.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'system' })),
    });
  }

  private async chatCompletions(
    { req, res, body, fault }: RouteContext,
    flavour: 'openai' | 'groq',
  ): Promise<void> {
    const send = (status: number, payload: unknown) =>
      this.http.sendJson(
        res,
        status,
        payload,
        flavour === 'openai' ? { 'openai-processing-ms': '180' } : { 'x-request-id': `req_${this.sequence}` },
      );
    const denied = this.authError(req);
    if (denied !== undefined) return send(401, denied);
    const request = (body ?? {}) as ChatRequestBody;
    if (typeof request.model !== 'string') {
      return send(400, openAiError('you must provide a model parameter', 'invalid_request_error', null));
    }
    if (!(this.options.chatModels ?? []).includes(request.model)) {
      return send(
        404,
        openAiError(
          `The model \`${request.model}\` does not exist or you do not have access to it.`,
          'invalid_request_error',
          'model_not_found',
        ),
      );
    }
    const messages = request.messages;
    if (
      !Array.isArray(messages) ||
      messages.length === 0 ||
      // content is a string; an assistant message that asked for tools may carry null or "" with its tool_calls
      !messages.every((m) => typeof m?.role === 'string' && (typeof m.content === 'string' || (m.role === 'assistant' && Array.isArray((m as { tool_calls?: unknown }).tool_calls))))
    ) {
      return send(
        400,
        openAiError(
          "'messages' must be a non-empty array of {role, content}.",
          'invalid_request_error',
          null,
          'messages',
        ),
      );
    }
    const id = `chatcmpl-${++this.sequence}`;
    const created = Math.floor(Date.now() / 1000);
    const { pieces, finishReason, content, toolCalls, hold } = this.chat.next(
      request.max_completion_tokens ?? request.max_tokens,
    );
    const prompt = promptTokens(messages);
    const usage = {
      prompt_tokens: prompt,
      completion_tokens: pieces.length,
      total_tokens: prompt + pieces.length,
    };
    const groqUsage = {
      queue_time: 0.0123,
      prompt_time: 0.004,
      completion_time: 0.05,
      total_time: 0.054,
      ...usage,
    };
    const xGroqId = `req_01fake${this.sequence}`;

    if (!request.stream) {
      return send(200, {
        id,
        object: 'chat.completion',
        created,
        model: request.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: toolCalls ? null : content,
              ...(flavour === 'openai' ? { refusal: null } : {}),
              ...(toolCalls
                ? { tool_calls: toolCalls.map((c, i) => ({ id: `call_${this.sequence}_${i}`, type: 'function', function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) } })) }
                : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage: flavour === 'groq' ? groqUsage : usage,
        system_fingerprint: 'fp_fake0001',
        ...(flavour === 'groq' ? { x_groq: { id: xGroqId } } : {}),
      });
    }

    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: request.model,
        system_fingerprint: 'fp_fake0001',
        choices,
        ...extra,
      })}\n\n`;
    const includeUsage = request.stream_options?.include_usage === true;
    const tail: string[] = [];
    if (flavour === 'groq') {
      tail.push(
        chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }], {
          x_groq: { id: xGroqId, usage: groqUsage },
        }),
      );
      if (includeUsage && this.options.groqUsageChunk)
        tail.push(chunk([], { usage: groqUsage, x_groq: { id: xGroqId } }));
    } else {
      tail.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]));
      if (includeUsage) tail.push(chunk([], { usage }));
    }
    tail.push('data: [DONE]\n\n');

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const xGroqFirst = flavour === 'groq' ? { x_groq: { id: xGroqId } } : {};
    await writeStream(res, {
      pieces,
      head: [
        chunk(
          [
            {
              index: 0,
              delta: { role: 'assistant', content: '', ...(flavour === 'openai' ? { refusal: null } : {}) },
              logprobs: null,
              finish_reason: null,
            },
          ],
          xGroqFirst,
        ),
      ],
      delta: (piece) => chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]),
      tail,
      fault: streamFault(fault),
      hold,
      errorLine: (message) => `data: ${JSON.stringify(openAiError(message, 'server_error', null))}\n\n`,
      malformedLine: `data: {"id":"${id}","object":"chat.completion.chunk","choices":[{"delta":{"content":"trunc\n\n`,
    });
  }
}

/** OpenAI's base64 encoding: the little-endian float32 bytes of the vector. */
export function toBase64Float32(v: number[]): string {
  const buf = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}
