import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { LlmSpec } from '../src/modules/generation/application/models/llm-registry.service';
import {
  ChatMessage,
  GenerateOptions,
  Generation,
  LlmProvider,
  StreamEvent,
} from '../src/modules/generation/application/ports/llm-provider.port';
import {
  InvalidModelSpecError,
  LlmFailedError,
  LlmTimeoutError,
  LlmUnavailableError,
} from '../src/modules/generation/domain/generation.errors';
import { createLlm } from '../src/modules/generation/infrastructure/llm/llm.factory';
import { AppConfig, DeepPartial, loadConfig } from '../src/shared/config';
import { DomainError } from '../src/shared/errors/domain-error';
import { RecordedRequest } from './support/fake-http.server';
import { FakeOllamaServer } from './support/fake-ollama.server';
import { FakeOpenAiServer, openAiError } from './support/fake-openai.server';

/**
 * The network LLM adapters (ChatOpenAI, ChatGroq, ChatOllama behind the port) and ResilientLlm, built the
 * way the app builds them (createLlm), against local servers speaking OpenAI's, Groq's and Ollama's wire
 * formats. Backoff is shortened to a few ms; only the retry-after tests wait for real (about 1 s each).
 */

const OPENAI_KEY = 'sk-proj-acervoChat0123456789abcdef';
const GROQ_KEY = 'gsk_acervoGroqChat0123456789abcdefXYZ';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'Responda em português usando apenas o contexto.' },
  { role: 'user', content: 'Qual é o horário do suporte?' },
];
const ANSWER = 'O suporte funciona das 9h às 18h, de segunda a sexta [1].';

const openai = new FakeOpenAiServer({ apiKey: OPENAI_KEY });
const groq = new FakeOpenAiServer({ apiKey: GROQ_KEY });
const ollama = new FakeOllamaServer({ chatModels: ['llama3.2', 'qwen2.5:7b'] });
/** Every warning the resilience layer and the factory logged in the current test. */
const logs: string[] = [];
const logger = { warn: (message: unknown) => void logs.push(String(message)) };

type LlmOverrides = DeepPartial<AppConfig['generation']['llm']>;

function configWith(llm: LlmOverrides = {}): AppConfig {
  return loadConfig({
    env: { APP_PROFILES: 'test' },
    overrides: {
      generation: {
        llm: {
          timeoutMs: 2000,
          maxRetries: 2,
          fallback: [],
          ...llm,
          openai: { baseUrl: openai.baseUrl, apiKey: OPENAI_KEY, model: 'gpt-4o-mini', ...llm.openai },
          groq: { baseUrl: groq.origin, apiKey: GROQ_KEY, model: 'llama-3.3-70b-versatile', ...llm.groq },
          ollama: { baseUrl: ollama.baseUrl, model: 'llama3.2', ...llm.ollama },
        },
      },
    },
  });
}

function make(llm: LlmOverrides = {}, spec?: LlmSpec): Promise<LlmProvider> {
  return createLlm(configWith(llm), spec, { backoff: { baseMs: 5, maxMs: 20 }, logger });
}

async function rejectionOf(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected the promise to reject');
}

interface Collected {
  deltas: string[];
  done?: Generation;
  events: StreamEvent[];
  error?: DomainError;
}

/** Consumes a stream to its end or its error, keeping what arrived before the error. */
async function collect(stream: AsyncIterable<StreamEvent>): Promise<Collected> {
  const out: Collected = { deltas: [], events: [] };
  try {
    for await (const event of stream) {
      out.events.push(event);
      if (event.type === 'delta') out.deltas.push(event.text);
      else out.done = event.generation;
    }
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    out.error = e as DomainError;
  }
  return out;
}

/** Everything a caller could log or show from an error. */
function visibleText(e: DomainError): string {
  return `${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e.details)}`;
}

const faultsOf = (requests: RecordedRequest[]) => requests.map((r) => r.fault?.type ?? 'ok');

/** ollama-js prints the lines it cannot parse with console.warn (and cannot be told not to). */
function quietSdkConsole(): void {
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
}

/** Resolves when `check()` holds, polling for up to 2 s (for what the server sees after the client acts). */
async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 2000) throw new Error(`condition not met within 2 s: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  await Promise.all([openai.start(), groq.start(), ollama.start()]);
});
afterAll(async () => {
  await Promise.all([openai.close(), groq.close(), ollama.close()]);
});
afterEach(() => jest.restoreAllMocks());
beforeEach(() => {
  openai.reset();
  groq.reset();
  ollama.reset();
  openai.options.echoKeyInErrors = false;
  logs.length = 0;
});

interface AdapterCase {
  provider: 'openai' | 'groq' | 'ollama';
  model: string;
  fake: () => FakeOpenAiServer | FakeOllamaServer;
  requests: () => RecordedRequest[];
  /** The fake's base URL as the config holds it, with its port replaced (for the unreachable test). */
  unreachable: (port: number) => LlmOverrides;
  /** A transient failure the provider really sends (429 with retry-after 0, or Ollama's 503 "server busy"). */
  transient: () => void;
  serverError: () => void;
  /** The token limit as the wire calls it. */
  maxTokensOf: (body: unknown) => unknown;
  temperatureOf: (body: unknown) => unknown;
}

const rateLimitNow = (fake: FakeOpenAiServer) => () => fake.rateLimit(0, { times: 1 });

const CASES: AdapterCase[] = [
  {
    provider: 'openai',
    model: 'gpt-4o-mini',
    fake: () => openai,
    requests: () => openai.chatRequests('openai'),
    unreachable: (port) => ({ openai: { baseUrl: `http://127.0.0.1:${port}/v1` } }),
    transient: rateLimitNow(openai),
    serverError: () => openai.serverError({ times: Infinity }),
    maxTokensOf: (b) => (b as { max_tokens?: number; max_completion_tokens?: number }).max_tokens,
    temperatureOf: (b) => (b as { temperature?: number }).temperature,
  },
  {
    provider: 'groq',
    model: 'llama-3.3-70b-versatile',
    fake: () => groq,
    requests: () => groq.chatRequests('groq'),
    unreachable: (port) => ({ groq: { baseUrl: `http://127.0.0.1:${port}` } }),
    transient: rateLimitNow(groq),
    serverError: () => groq.serverError({ times: Infinity }),
    maxTokensOf: (b) => (b as { max_completion_tokens?: number }).max_completion_tokens,
    temperatureOf: (b) => (b as { temperature?: number }).temperature,
  },
  {
    provider: 'ollama',
    model: 'llama3.2',
    fake: () => ollama,
    requests: () => ollama.chatRequests(),
    unreachable: (port) => ({ ollama: { baseUrl: `http://127.0.0.1:${port}` } }),
    transient: () => ollama.busy({ times: 1 }),
    serverError: () => ollama.serverError({ times: Infinity }),
    maxTokensOf: (b) => (b as { options?: { num_predict?: number } }).options?.num_predict,
    temperatureOf: (b) => (b as { options?: { temperature?: number } }).options?.temperature,
  },
];

describe.each(CASES)('$provider adapter', (c) => {
  const llm = (o: LlmOverrides = {}) => make({ provider: c.provider, ...o });

  it('generates: text, usage, finish reason and the provider-qualified model', async () => {
    c.fake().reply(ANSWER);

    const g = await (await llm()).generate(MESSAGES);

    expect(g).toEqual({
      text: ANSWER,
      finishReason: 'stop',
      usage: { promptTokens: 19, completionTokens: 12 },
      model: `${c.provider}:${c.model}`,
    });
    const [request] = c.requests();
    expect(request.body).toMatchObject({ model: c.model });
    expect((request.body as { messages: unknown }).messages).toEqual([
      { role: 'system', content: MESSAGES[0].content },
      { role: 'user', content: MESSAGES[1].content },
    ]);
    expect(c.temperatureOf(request.body)).toBe(0.1);
    expect(c.maxTokensOf(request.body)).toBe(512);
  });

  it('streams deltas that are pieces (not cumulative) and concatenate to the answer, then one done with usage', async () => {
    c.fake().reply(ANSWER);

    const s = await collect((await llm()).stream(MESSAGES));

    expect(s.error).toBeUndefined();
    expect(s.deltas.length).toBeGreaterThan(5);
    expect(s.deltas.join('')).toBe(ANSWER);
    expect(s.deltas[1].startsWith(s.deltas[0])).toBe(false);
    expect(s.deltas.every((d) => d.length < ANSWER.length / 2)).toBe(true);
    expect(s.events.filter((e) => e.type === 'done')).toHaveLength(1);
    expect(s.events[s.events.length - 1].type).toBe('done');
    expect(s.done).toEqual({
      text: ANSWER,
      finishReason: 'stop',
      usage: { promptTokens: 19, completionTokens: 12 },
      model: `${c.provider}:${c.model}`,
    });
  });

  it('reports a reply cut by the token limit as finishReason "length", with per-call overrides on the wire', async () => {
    c.fake().reply(ANSWER, ANSWER);
    const provider = await llm();

    const g = await provider.generate(MESSAGES, { maxTokens: 4, temperature: 0.7 });
    const s = await collect(provider.stream(MESSAGES, { maxTokens: 4 }));

    expect(g.finishReason).toBe('length');
    expect(g.text).toBe('O suporte funciona das');
    expect(s.done).toMatchObject({ finishReason: 'length', text: 'O suporte funciona das' });
    const [first, second] = c.requests();
    expect(c.maxTokensOf(first.body)).toBe(4);
    expect(c.temperatureOf(first.body)).toBe(0.7);
    expect(c.maxTokensOf(second.body)).toBe(4);
  });

  it('retries a transient failure and then answers, logging provider, status and attempt', async () => {
    c.transient();
    c.fake().reply(ANSWER);

    const g = await (await llm()).generate(MESSAGES);

    expect(g.text).toBe(ANSWER);
    expect(faultsOf(c.requests())).toEqual(['status', 'ok']);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(new RegExp(`${c.provider}:${c.model} attempt 1/3 failed .*HTTP (429|503)`));
  });

  it('gives up on a persistent 500 after maxRetries with LlmFailedError (502)', async () => {
    c.serverError();

    const e = await rejectionOf((await llm({ maxRetries: 2 })).generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmFailedError);
    expect(e).toMatchObject({ kind: 'bad_gateway', code: 'GENERATION.LLM_FAILED' });
    expect(e.message).toMatch(/500/);
    expect(c.requests()).toHaveLength(3);
    expect(logs.filter((l) => /retrying/.test(l))).toHaveLength(2);
  });

  it('times out a server that never answers with LlmTimeoutError (504), without retrying it', async () => {
    c.fake().fail({ type: 'hang' }, { times: Infinity });

    const e = await rejectionOf((await llm({ timeoutMs: 300 })).generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmTimeoutError);
    expect(e).toMatchObject({ kind: 'timeout', code: 'GENERATION.LLM_TIMEOUT' });
    expect(e.message).toMatch(/300 ms/);
    expect(c.requests()).toHaveLength(1);
    await until(() => c.requests()[0].abandoned === true);
  });

  it('times out a stream that stalls before its first token', async () => {
    c.fake().fail({ type: 'stream-stall', afterDeltas: 0 }, { times: Infinity });

    const s = await collect((await llm({ timeoutMs: 300 })).stream(MESSAGES));

    expect(s.deltas).toEqual([]);
    expect(s.error).toBeInstanceOf(LlmTimeoutError);
    await until(() => c.requests()[0].abandoned === true); // the connection is closed, not leaked
  });

  it('times out a stream that goes idle after some tokens, keeping them once and not retrying', async () => {
    c.fake().reply(ANSWER).fail({ type: 'stream-stall', afterDeltas: 3 }, { times: Infinity });

    const s = await collect((await llm({ timeoutMs: 300 })).stream(MESSAGES));

    expect(s.deltas.join('')).toBe('O suporte funciona');
    expect(s.done).toBeUndefined();
    expect(s.error).toBeInstanceOf(LlmTimeoutError);
    expect(c.requests()).toHaveLength(1);
    await until(() => c.requests()[0].abandoned === true);
  });

  it('surfaces an error sent in the middle of a stream without repeating the text', async () => {
    c.fake().reply(ANSWER).fail({ type: 'stream-error', afterDeltas: 2, message: 'model overloaded' });

    const s = await collect((await llm()).stream(MESSAGES));

    expect(s.deltas.join('')).toBe('O suporte');
    expect(s.error).toBeInstanceOf(LlmFailedError);
    expect(s.error?.message).toMatch(/model overloaded/);
    expect(c.requests()).toHaveLength(1);
  });

  it('reports an unreachable server as LlmUnavailableError (503), naming where it looked', async () => {
    const port = await closedPort();

    const e = await rejectionOf((await llm({ maxRetries: 0, ...c.unreachable(port) })).generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmUnavailableError);
    expect(e.kind).toBe('unavailable');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('reports malformed JSON as LlmFailedError (502), without retrying', async () => {
    c.fake().fail({ type: 'malformed' }, { times: Infinity });
    quietSdkConsole();

    const e = await rejectionOf((await llm()).generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmFailedError);
    expect(e.kind).toBe('bad_gateway');
    expect(c.requests()).toHaveLength(1);
  });

  it('reports a malformed stream line as LlmFailedError (502)', async () => {
    c.fake().reply(ANSWER).fail({ type: 'stream-malformed', afterDeltas: 2 }, { times: Infinity });
    quietSdkConsole();

    const s = await collect((await llm()).stream(MESSAGES));

    expect(s.deltas.join('')).toBe('O suporte');
    expect(s.error).toBeInstanceOf(LlmFailedError);
    expect(s.error?.kind).toBe('bad_gateway');
  });

  it('reports a connection dropped before the first token as a failure, and retries it', async () => {
    c.fake().reply(ANSWER, ANSWER).fail({ type: 'stream-drop', afterDeltas: 0 }, { times: 1 });

    const s = await collect((await llm()).stream(MESSAGES));

    expect(s.error).toBeUndefined();
    expect(s.deltas.join('')).toBe(ANSWER);
    expect(faultsOf(c.requests())).toEqual(['stream-drop', 'ok']);
  });

  it('probes cheaply when the server is up, and throws LlmUnavailableError when it is down', async () => {
    await expect((await llm()).probe()).resolves.toBeUndefined();
    expect(c.requests()).toHaveLength(0);

    const port = await closedPort();
    const e = await rejectionOf((await llm(c.unreachable(port))).probe());
    expect(e).toBeInstanceOf(LlmUnavailableError);
  });

  it('describes itself: provider, model, capabilities', async () => {
    const info = (await llm()).info;

    expect(info).toMatchObject({
      provider: c.provider,
      model: c.model,
      modelId: `${c.provider}:${c.model}`,
      kind: 'llm',
      capabilities: { streaming: true },
    });
  });
});

describe.each([
  { provider: 'openai' as const, fake: () => openai, key: OPENAI_KEY, flavour: 'openai' as const },
  { provider: 'groq' as const, fake: () => groq, key: GROQ_KEY, flavour: 'groq' as const },
])('$provider: credentials and rate limits', ({ provider, fake, key, flavour }) => {
  const llm = (o: LlmOverrides = {}, spec?: LlmSpec) => make({ provider, ...o }, spec);
  const requests = () => fake().chatRequests(flavour);

  it('sends the key as a Bearer token', async () => {
    await (await llm()).generate(MESSAGES);

    expect(requests()[0].headers.authorization).toBe(`Bearer ${key}`);
  });

  it('waits for retry-after (seconds) before retrying a 429', async () => {
    fake().rateLimit(1, { times: 1 });

    const g = await (await llm()).generate(MESSAGES);

    expect(g.model.startsWith(`${provider}:`)).toBe(true);
    const [limited, retried] = requests();
    expect(faultsOf([limited, retried])).toEqual(['status', 'ok']);
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(950);
    expect(logs[0]).toMatch(/HTTP 429.*retrying in 1000 ms/);
  });

  it('does not wait for a retry-after longer than the cap: unavailable (503) at once', async () => {
    fake().rateLimit(120, { times: Infinity });

    const started = Date.now();
    const e = await rejectionOf((await llm()).generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmUnavailableError);
    expect(e.message).toMatch(/rate limited/);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(requests()).toHaveLength(1);
  });

  it('gives up on a 429 that persists beyond maxRetries with LlmUnavailableError (503)', async () => {
    fake().rateLimit(0, { times: Infinity });

    const e = await rejectionOf((await llm({ maxRetries: 1 })).generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmUnavailableError);
    expect(requests()).toHaveLength(2);
  });

  it('does not retry a 429 that means the quota is exhausted', async () => {
    fake().fail({
      type: 'status',
      status: 429,
      body: openAiError(
        'You exceeded your current quota, please check your plan and billing details.',
        'insufficient_quota',
        'insufficient_quota',
      ),
    });

    const e = await rejectionOf((await llm()).generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmUnavailableError);
    expect(e.message).toMatch(/quota exhausted/);
    expect(requests()).toHaveLength(1);
  });

  it('reports a refused key as LlmUnavailableError (503) without retrying, and never shows the key', async () => {
    const wrong = provider === 'groq' ? 'gsk_wrongKey9876543210zyxwvuts' : 'sk-proj-wrongKey9876543210zyxw';

    const e = await rejectionOf((await llm({ [provider]: { apiKey: wrong } })).generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmUnavailableError);
    expect(e.message).toMatch(/401/);
    expect(requests()).toHaveLength(1);
    expect(visibleText(e)).not.toContain(wrong);
    expect(visibleText(e)).not.toContain(key);
  });

  it('never shows the key even when a gateway echoes it back, in errors or in logs', async () => {
    fake().options.echoKeyInErrors = true;
    const secret = 'acervo-gateway-secret-42';

    const primary = await llm({ [provider]: { apiKey: secret } });
    const e = await rejectionOf(primary.generate(MESSAGES));
    const s = await collect(primary.stream(MESSAGES));

    expect(e.message).toMatch(/Incorrect API key/);
    expect(visibleText(e)).not.toContain(secret);
    expect(s.error && visibleText(s.error)).not.toContain(secret);
    expect(logs.join('\n')).not.toContain(secret);
  });

  it('probe() checks the key too', async () => {
    const e = await rejectionOf((await llm({ [provider]: { apiKey: `${key}-revoked` } })).probe());

    expect(e).toBeInstanceOf(LlmUnavailableError);
    expect(e.message).toMatch(/401/);
    expect(visibleText(e)).not.toContain(`${key}-revoked`);
  });

  it('names a model the server does not serve, without retrying', async () => {
    const e = await rejectionOf((await llm({}, { provider, model: 'gpt-9-imaginary' })).generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmFailedError);
    expect(e.message).toMatch(/gpt-9-imaginary.*not found|not found.*gpt-9-imaginary/);
    expect(requests()).toHaveLength(1);
  });
});

describe('openai specifics', () => {
  it('asks for stream usage (stream_options.include_usage) and reads it from the usage chunk', async () => {
    const s = await collect((await make({ provider: 'openai' })).stream(MESSAGES));

    expect(openai.chatRequests()[0].body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(s.done?.usage.completionTokens).toBe(s.deltas.length);
  });

  it('honours a retry-after given as an HTTP date', async () => {
    openai.fail({
      type: 'status',
      status: 429,
      headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() },
      body: openAiError('Rate limit reached for gpt-4o-mini.', 'requests', 'rate_limit_exceeded'),
    });

    await (await make({ provider: 'openai' })).generate(MESSAGES);

    const [limited, retried] = openai.chatRequests();
    expect(faultsOf([limited, retried])).toEqual(['status', 'ok']);
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(900); // the date has whole seconds: 1-2 s
  });

  it('works with an OpenAI-compatible server that needs no key, sending no Authorization header', async () => {
    const local = new FakeOpenAiServer({ chatModels: ['Qwen/Qwen2.5-7B-Instruct'] });
    await local.start();
    try {
      local.reply(ANSWER);
      const provider = await make({
        provider: 'openai',
        openai: { baseUrl: local.baseUrl, apiKey: '', model: 'Qwen/Qwen2.5-7B-Instruct' },
      });

      const g = await provider.generate(MESSAGES);
      await provider.probe();

      expect(g).toMatchObject({ text: ANSWER, model: 'openai:Qwen/Qwen2.5-7B-Instruct' });
      for (const r of local.http.requests) expect(r.headers.authorization).toBeUndefined();
    } finally {
      await local.close();
    }
  });

  it('refuses to start against api.openai.com without a key, naming OPENAI_API_KEY', async () => {
    const e = await rejectionOf(
      make({ provider: 'openai', openai: { baseUrl: 'https://api.openai.com/v1', apiKey: '' } }),
    );

    expect(e).toBeInstanceOf(LlmUnavailableError);
    expect(e.message).toMatch(/OPENAI_API_KEY/);
  });
});

describe('groq specifics', () => {
  it('calls /openai/v1/chat/completions and reads streaming usage from x_groq.usage', async () => {
    groq.reply(ANSWER);

    const s = await collect((await make({ provider: 'groq' })).stream(MESSAGES));

    expect(groq.chatRequests('groq')).toHaveLength(1);
    expect(groq.chatRequests('openai')).toHaveLength(0);
    expect(s.done?.usage).toEqual({ promptTokens: 19, completionTokens: 12 });
  });

  it('also reads usage when Groq sends the separate include_usage chunk', async () => {
    groq.options.groqUsageChunk = true;
    try {
      groq.reply(ANSWER);
      const s = await collect((await make({ provider: 'groq' })).stream(MESSAGES));

      expect(s.done?.usage).toEqual({ promptTokens: 19, completionTokens: 12 });
    } finally {
      groq.options.groqUsageChunk = false;
    }
  });

  it('requires an API key, naming GROQ_API_KEY', async () => {
    const e = await rejectionOf(make({ provider: 'groq', groq: { apiKey: '' } }));

    expect(e).toBeInstanceOf(LlmUnavailableError);
    expect(e.message).toMatch(/GROQ_API_KEY/);
  });
});

describe('ollama specifics', () => {
  it('names a model that is not pulled and how to pull it, without retrying', async () => {
    const e = await rejectionOf(
      (await make({ provider: 'ollama', ollama: { model: 'mistral-nemo' } })).generate(MESSAGES),
    );

    expect(e).toBeInstanceOf(LlmFailedError);
    expect(e.message).toMatch(/model "mistral-nemo" not found/);
    expect(e.message).toContain('ollama pull mistral-nemo');
    expect(ollama.chatRequests()).toHaveLength(1);
  });

  it('probe() fails with the pull hint when the server is up but the model is not pulled', async () => {
    await expect(
      (await make({ provider: 'ollama', ollama: { model: 'qwen2.5:7b' } })).probe(),
    ).resolves.toBeUndefined();

    const e = await rejectionOf(
      (await make({ provider: 'ollama', ollama: { model: 'mistral-nemo' } })).probe(),
    );

    expect(e.message).toContain('ollama pull mistral-nemo');
  });

  it('streams NDJSON from /api/chat and takes usage from prompt_eval_count / eval_count', async () => {
    ollama.reply(ANSWER);

    const g = await (await make({ provider: 'ollama', ollama: { keepAlive: '10m' } })).generate(MESSAGES);

    expect(ollama.chatRequests()[0].body).toMatchObject({ stream: true, keep_alive: '10m' });
    expect(g.usage).toEqual({ promptTokens: 19, completionTokens: 12 });
  });
});

describe('fallback chain and factory', () => {
  it('answers from the next provider when the primary is unavailable; model names who answered', async () => {
    groq.fail(
      {
        type: 'status',
        status: 503,
        body: openAiError('Service Unavailable', 'internal_server_error', 'service_unavailable'),
      },
      { times: Infinity },
    );
    openai.reply(ANSWER);

    const provider = await make({ provider: 'groq', fallback: ['openai'], maxRetries: 1 });
    const g = await provider.generate(MESSAGES);

    expect(provider.info.modelId).toBe('groq:llama-3.3-70b-versatile');
    expect(g).toMatchObject({ text: ANSWER, model: 'openai:gpt-4o-mini' });
    expect(groq.chatRequests('groq')).toHaveLength(2);
    expect(openai.chatRequests()).toHaveLength(1);
    expect(
      logs.some((l) =>
        /groq:llama-3.3-70b-versatile failed .*HTTP 503.*falling back to openai:gpt-4o-mini/.test(l),
      ),
    ).toBe(true);
  });

  it('goes straight to the fallback on a refused key (no retries on 401)', async () => {
    const provider = await make({
      provider: 'groq',
      groq: { apiKey: 'gsk_revoked000000000000' },
      fallback: ['openai'],
    });

    const g = await provider.generate(MESSAGES);

    expect(g.model).toBe('openai:gpt-4o-mini');
    expect(groq.chatRequests('groq')).toHaveLength(1);
    expect(logs.join('\n')).not.toContain('gsk_revoked000000000000');
  });

  it('falls back to the offline extractive provider when every network provider fails', async () => {
    groq.serverError({ times: Infinity });
    openai.serverError({ times: Infinity });
    const provider = await make({ provider: 'groq', fallback: ['openai', 'extractive'], maxRetries: 0 });

    const g = await provider.generate(MESSAGES, {
      grounding: {
        question: 'Qual é o horário do suporte?',
        passages: [{ n: 1, text: 'O horário do suporte é das 9h às 18h. O escritório fica em Lisboa.' }],
      },
    });

    expect(g.model).toBe('extractive:extractive-v1');
    expect(g.text).toContain('[1]');
  });

  it('surfaces the last error when the whole chain fails', async () => {
    groq.serverError({ times: Infinity });
    openai.unauthorized({ times: Infinity });
    const provider = await make({ provider: 'groq', fallback: ['openai'], maxRetries: 0 });

    const e = await rejectionOf(provider.generate(MESSAGES));

    expect(e).toBeInstanceOf(LlmUnavailableError);
    expect(e.details).toMatchObject({ provider: 'openai', status: 401 });
    expect(e.details.failures).toEqual([
      'groq:llama-3.3-70b-versatile: GENERATION.LLM_FAILED, HTTP 500',
      'openai:gpt-4o-mini: GENERATION.LLM_UNAVAILABLE, HTTP 401',
    ]);
  });

  it('hands a stream that fails before its first token to the fallback', async () => {
    groq.fail({ type: 'stream-stall', afterDeltas: 0 }, { times: Infinity });
    openai.reply(ANSWER);
    const provider = await make({ provider: 'groq', fallback: ['openai'], timeoutMs: 300 });

    const s = await collect(provider.stream(MESSAGES));

    expect(s.error).toBeUndefined();
    expect(s.deltas.join('')).toBe(ANSWER);
    expect(s.done?.model).toBe('openai:gpt-4o-mini');
    expect(groq.chatRequests('groq')).toHaveLength(1); // timeouts are not retried on the same provider
  });

  it('does not fall back once a stream has emitted text: no duplicated text, the error surfaces', async () => {
    groq.reply(ANSWER).fail({ type: 'stream-drop', afterDeltas: 4 });
    const provider = await make({ provider: 'groq', fallback: ['openai'] });

    const s = await collect(provider.stream(MESSAGES));

    expect(s.deltas.join('')).toBe('O suporte funciona das');
    expect(s.done).toBeUndefined();
    expect(s.error).toBeInstanceOf(LlmFailedError);
    expect(openai.chatRequests()).toHaveLength(0);
    expect(groq.chatRequests('groq')).toHaveLength(1);
  });

  it('stops at once, without retry or fallback, when the caller cancels', async () => {
    groq.fail({ type: 'hang' }, { times: Infinity });
    const provider = await make({ provider: 'groq', fallback: ['openai'] });
    const controller = new AbortController();
    const options: GenerateOptions = { signal: controller.signal };
    setTimeout(() => controller.abort(), 100);

    const e = await rejectionOf(provider.generate(MESSAGES, options));

    expect(e).not.toBeInstanceOf(LlmTimeoutError);
    expect(e.message).toMatch(/cancelled/);
    expect(openai.chatRequests()).toHaveLength(0);
  });

  it('closes the HTTP stream when the consumer stops reading early', async () => {
    openai.reply(ANSWER);
    const provider = await make({ provider: 'openai' });

    const got: string[] = [];
    for await (const event of provider.stream(MESSAGES)) {
      if (event.type === 'delta') got.push(event.text);
      if (got.length === 2) break;
    }

    expect(got.join('')).toBe('O suporte');
    await until(() => openai.chatRequests()[0].abandoned === true);
  });

  it('merges a spec over the config: model, temperature and maxTokens', async () => {
    const provider = await make(
      { provider: 'extractive' },
      {
        provider: 'openai',
        model: 'gpt-4o',
        options: { temperature: 0.5, maxTokens: 99 },
      },
    );

    const g = await provider.generate(MESSAGES);

    expect(g.model).toBe('openai:gpt-4o');
    expect(openai.chatRequests()[0].body).toMatchObject({
      model: 'gpt-4o',
      temperature: 0.5,
      max_tokens: 99,
    });
  });

  it('does not send the configured key to a different server named by a spec', async () => {
    const other = new FakeOpenAiServer();
    await other.start();
    try {
      const provider = await make(
        { provider: 'openai' },
        { provider: 'openai', options: { baseUrl: other.baseUrl } },
      );

      await provider.generate(MESSAGES);

      expect(other.chatRequests()[0].headers.authorization).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('skips a fallback that cannot be built, with a warning', async () => {
    const provider = await make({
      provider: 'openai',
      fallback: ['groq', 'extractive'],
      groq: { apiKey: '' },
    });

    await provider.generate(MESSAGES);

    expect(logs.some((l) => /fallback LLM groq skipped: .*GROQ_API_KEY/.test(l))).toBe(true);
  });

  it('builds the offline extractive default', async () => {
    const provider = await make();

    expect(provider.info).toMatchObject({ provider: 'extractive', kind: 'extractive' });
    await expect(provider.probe()).resolves.toBeUndefined();
  });

  it('rejects an unknown provider, naming the valid choices', async () => {
    const e = await rejectionOf(make({}, { provider: 'anthropic' }));

    expect(e).toBeInstanceOf(InvalidModelSpecError);
    expect(e.message).toMatch(/extractive, openai, groq, ollama/);
  });
});
