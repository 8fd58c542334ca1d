import { AddressInfo, createServer } from 'node:net';
import {
  EmbedderFailedError,
  EmbedderUnavailableError,
} from '../src/modules/retrieval/domain/retrieval.errors';
import {
  OllamaEmbedder,
  OllamaEmbedderOptions,
} from '../src/modules/retrieval/infrastructure/embedders/ollama.embedder';
import {
  OpenAiEmbedder,
  OpenAiEmbedderOptions,
} from '../src/modules/retrieval/infrastructure/embedders/openai.embedder';
import { DomainError } from '../src/shared/errors/domain-error';
import { normalize, vectorFor } from './support/fake-http.server';
import { FakeOllamaServer } from './support/fake-ollama.server';
import { FakeOpenAiServer } from './support/fake-openai.server';

/**
 * The network embedders against local servers that speak OpenAI's and Ollama's wire formats.
 * Retries go through LangChain's AsyncCaller, whose backoff starts at 1-2 s and cannot be configured,
 * so every test that exercises a retry costs about 1-2 s; the others run with maxRetries 0.
 */

const TEXTS = [
  'Política de reembolso',
  'Horário do suporte: 09h às 18h',
  'Backups diários',
  'Férias coletivas',
  'Plano de saúde',
];

/** The rejection of `p` (fails the test if `p` resolves). */
async function rejectionOf(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected the promise to reject');
}

function expectVectorsOf(vectors: Float32Array[], texts: string[], dimension: number): void {
  expect(vectors).toHaveLength(texts.length);
  vectors.forEach((v, i) => {
    expect(v).toBeInstanceOf(Float32Array);
    expect(v).toHaveLength(dimension);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const expected = normalize(vectorFor(texts[i], dimension));
    v.forEach((x, j) => expect(x).toBeCloseTo(expected[j], 5));
  });
}

/** Everything a caller could log or show from an error. */
function visibleText(e: DomainError): string {
  return `${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e.details)}`;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('OpenAiEmbedder against an OpenAI-compatible server', () => {
  const KEY = 'sk-proj-acervoTest0123456789abcdef';
  const fake = new FakeOpenAiServer({
    apiKey: KEY,
    models: { 'text-embedding-3-small': 1536, 'BAAI/bge-m3': 16 },
  });
  const make = (o: Partial<OpenAiEmbedderOptions> = {}) =>
    new OpenAiEmbedder({
      baseUrl: fake.baseUrl,
      apiKey: KEY,
      model: 'text-embedding-3-small',
      dimension: 8,
      timeoutMs: 2000,
      maxRetries: 1,
      batchSize: 2,
      ...o,
    });

  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.options.ignoreEncodingFormat = false;
    fake.options.echoKeyInErrors = false;
  });

  it('returns one unit-length vector of the configured dimension per text, in input order, in batches of batchSize', async () => {
    const vectors = await make().embed(TEXTS, 'document');

    expectVectorsOf(vectors, TEXTS, 8);
    const requests = fake.embeddingRequests();
    expect(requests.map((r) => r.body.input)).toEqual([TEXTS.slice(0, 2), TEXTS.slice(2, 4), TEXTS.slice(4)]);
    for (const r of requests) {
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(r.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 8 });
    }
  });

  it('decodes the base64 float32 payload the OpenAI SDK asks for', async () => {
    const vectors = await make().embed(['um', 'dois'], 'query');

    expect(fake.embeddingRequests()[0].body.encoding_format).toBe('base64');
    expectVectorsOf(vectors, ['um', 'dois'], 8);
  });

  it('works with compatible servers that ignore encoding_format and always send float arrays (LM Studio, Ollama /v1)', async () => {
    fake.options.ignoreEncodingFormat = true;

    const vectors = await make({ model: 'BAAI/bge-m3', dimension: 16 }).embed(
      ['um', 'dois', 'três'],
      'document',
    );

    expectVectorsOf(vectors, ['um', 'dois', 'três'], 16);
  });

  it('does not send `dimensions` to models that reject it', async () => {
    const vectors = await make({ model: 'BAAI/bge-m3', dimension: 16 }).embed(['olá'], 'query');

    expectVectorsOf(vectors, ['olá'], 16);
    expect(fake.embeddingRequests()[0].body).not.toHaveProperty('dimensions');
  });

  it('places each vector by its `index`, even when the server lists them out of order', async () => {
    fake.fail({ type: 'shuffle' });

    const vectors = await make().embed(['primeiro', 'segundo'], 'document');

    expectVectorsOf(vectors, ['primeiro', 'segundo'], 8);
  });

  it('answers an empty list without calling the server', async () => {
    await expect(make().embed([], 'document')).resolves.toEqual([]);
    expect(fake.embeddingRequests()).toHaveLength(0);
  });

  it('retries a 429 after the retry-after delay and then succeeds', async () => {
    fake.rateLimit(1, { times: 1 });

    const vectors = await make({ maxRetries: 2 }).embed(['limite'], 'query');

    expectVectorsOf(vectors, ['limite'], 8);
    const requests = fake.embeddingRequests();
    expect(requests.map((r) => r.fault?.type ?? 'ok')).toEqual(['status', 'ok']);
    expect(requests[1].body.input).toEqual(['limite']);
  });

  it('gives up on a persistent 5xx after maxRetries with a bad_gateway EmbedderFailedError', async () => {
    fake.serverError({ times: Infinity });

    const e = await rejectionOf(make({ maxRetries: 1 }).embed(['x'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e).toMatchObject({ kind: 'bad_gateway', code: 'RETRIEVAL.EMBEDDER_FAILED' });
    expect(e.message).toMatch(/500/);
    expect(fake.embeddingRequests()).toHaveLength(2);
  });

  it('reports a rejected API key without retrying and without revealing the key', async () => {
    const wrongKey = 'sk-proj-wrongKey9876543210zyxw';

    const e = await rejectionOf(make({ apiKey: wrongKey }).embed(['x'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e.message).toMatch(/401|Incorrect API key/);
    expect(fake.embeddingRequests()).toHaveLength(1);
    expect(visibleText(e)).not.toContain(wrongKey);
  });

  it('never reveals the API key, even when a gateway echoes it back in its error message', async () => {
    fake.options.echoKeyInErrors = true;
    const gatewayKey = 'acervo-gateway-secret-42';

    const e = await rejectionOf(make({ apiKey: gatewayKey }).embed(['x'], 'query'));

    expect(e.message).toMatch(/Incorrect API key/);
    expect(visibleText(e)).not.toContain(gatewayKey);
  });

  it('reports a server slower than timeoutMs as a timeout', async () => {
    fake.fail({ type: 'delay', ms: 1500 }, { times: Infinity });

    const e = await rejectionOf(make({ timeoutMs: 200, maxRetries: 0 }).embed(['lento'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e).toMatchObject({ kind: 'timeout', code: 'RETRIEVAL.EMBEDDER_TIMEOUT' });
  });

  it('times out a server that sends its headers and then stalls mid-body', async () => {
    fake.fail({ type: 'stall' }, { times: Infinity });

    const e = await rejectionOf(make({ timeoutMs: 200, maxRetries: 0 }).embed(['lento'], 'query'));

    expect(e).toMatchObject({ kind: 'timeout', code: 'RETRIEVAL.EMBEDDER_TIMEOUT' });
  });

  it('reports malformed JSON as bad_gateway', async () => {
    fake.fail({ type: 'malformed' }, { times: Infinity });

    const e = await rejectionOf(make({ maxRetries: 0 }).embed(['x'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e.kind).toBe('bad_gateway');
    expect(e.message).toMatch(/JSON/i);
  });

  it('explains a dimension mismatch between the server and the configuration', async () => {
    fake.fail({ type: 'dimension', dimension: 5 });

    const e = await rejectionOf(make().embed(['x'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e.message).toMatch(/5-d vectors but 8 were configured/);
  });

  it('explains a response with fewer vectors than inputs', async () => {
    fake.fail({ type: 'count', delta: -1 });

    const e = await rejectionOf(make().embed(['a', 'b'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e.message).toMatch(/expected 2 vectors, got 1/);
  });

  it('reports an unreachable server as unavailable, naming where it looked', async () => {
    const port = await closedPort();

    const e = await rejectionOf(
      make({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }).embed(['x'], 'query'),
    );

    expect(e).toBeInstanceOf(EmbedderUnavailableError);
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });

  it('is not ready until warmUp() reaches the server', async () => {
    const embedder = make();
    expect(embedder.ready).toBe(false);

    await embedder.warmUp();

    expect(embedder.ready).toBe(true);
    expect(fake.embeddingRequests()).toHaveLength(1);
  });

  it('stays not ready when warmUp() fails', async () => {
    fake.unauthorized();
    const embedder = make();

    await expect(embedder.warmUp()).rejects.toBeInstanceOf(EmbedderFailedError);

    expect(embedder.ready).toBe(false);
  });

  it('refuses to start against api.openai.com without an API key', () => {
    expect(() => make({ baseUrl: 'https://api.openai.com/v1', apiKey: undefined })).toThrow(
      EmbedderUnavailableError,
    );
    expect(() => make({ baseUrl: 'https://api.openai.com/v1', apiKey: '' })).toThrow(/OPENAI_API_KEY/);
  });
});

describe('OllamaEmbedder against an Ollama server', () => {
  const fake = new FakeOllamaServer({ models: { 'nomic-embed-text': 12, 'bge-m3:567m': 16 } });
  const make = (o: Partial<OllamaEmbedderOptions> = {}) =>
    new OllamaEmbedder({
      baseUrl: fake.baseUrl,
      model: 'nomic-embed-text',
      dimension: 12,
      timeoutMs: 2000,
      batchSize: 2,
      maxRetries: 0,
      ...o,
    });

  beforeAll(() => fake.start());
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('returns one unit-length vector of the configured dimension per text, in input order, in batches of batchSize', async () => {
    const vectors = await make().embed(TEXTS, 'document');

    expectVectorsOf(vectors, TEXTS, 12);
    const requests = fake.embedRequests();
    expect(requests.map((r) => r.body.input)).toEqual([TEXTS.slice(0, 2), TEXTS.slice(2, 4), TEXTS.slice(4)]);
    for (const r of requests) expect(r.body.model).toBe('nomic-embed-text');
  });

  it('answers an empty list without calling the server', async () => {
    await expect(make().embed([], 'document')).resolves.toEqual([]);
    expect(fake.embedRequests()).toHaveLength(0);
  });

  it('names the missing model and how to get it, without retrying', async () => {
    const e = await rejectionOf(make({ model: 'mxbai-embed-large', maxRetries: 1 }).embed(['x'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e.message).toContain('mxbai-embed-large');
    expect(e.message).toMatch(/not found/);
    expect(e.message).toMatch(/ollama pull mxbai-embed-large/);
    expect(fake.embedRequests()).toHaveLength(1);
  });

  it('reports a model-not-found as such even when timeoutMs is short', async () => {
    const e = await rejectionOf(
      make({ model: 'mxbai-embed-large', timeoutMs: 200, maxRetries: 1 }).embed(['x'], 'query'),
    );

    expect(e.kind).toBe('bad_gateway');
    expect(e.message).toMatch(/not found/);
  });

  it('retries a busy server (503) and then succeeds', async () => {
    fake.busy({ times: 1 });

    const vectors = await make({ maxRetries: 1 }).embed(['ocupado'], 'query');

    expectVectorsOf(vectors, ['ocupado'], 12);
    expect(fake.embedRequests().map((r) => r.fault?.type ?? 'ok')).toEqual(['status', 'ok']);
  });

  it("gives up on a persistent 500 with a bad_gateway EmbedderFailedError carrying Ollama's message", async () => {
    fake.serverError({ times: Infinity });

    const e = await rejectionOf(make({ maxRetries: 1 }).embed(['x'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e).toMatchObject({ kind: 'bad_gateway', code: 'RETRIEVAL.EMBEDDER_FAILED' });
    expect(e.message).toMatch(/llama runner process has terminated/);
    expect(fake.embedRequests()).toHaveLength(2);
  });

  it('reports a server slower than timeoutMs as a timeout', async () => {
    fake.fail({ type: 'delay', ms: 1500 }, { times: Infinity });

    const e = await rejectionOf(make({ timeoutMs: 200 }).embed(['lento'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e).toMatchObject({ kind: 'timeout', code: 'RETRIEVAL.EMBEDDER_TIMEOUT' });
  });

  it('is usable again right after a timeout: the abandoned request does not block the next one', async () => {
    const embedder = make({ timeoutMs: 200 });
    fake.fail({ type: 'hang' }, { times: Infinity });
    await expect(embedder.embed(['preso'], 'query')).rejects.toMatchObject({ kind: 'timeout' });
    fake.reset();

    const vectors = await embedder.embed(['livre'], 'query');

    expectVectorsOf(vectors, ['livre'], 12);
  });

  it('times out a server that sends its headers and then stalls mid-body', async () => {
    fake.fail({ type: 'stall' }, { times: Infinity });

    const e = await rejectionOf(make({ timeoutMs: 200 }).embed(['lento'], 'query'));

    expect(e).toMatchObject({ kind: 'timeout', code: 'RETRIEVAL.EMBEDDER_TIMEOUT' });
  });

  it('reports malformed JSON as bad_gateway', async () => {
    fake.fail({ type: 'malformed' }, { times: Infinity });

    const e = await rejectionOf(make().embed(['x'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e.kind).toBe('bad_gateway');
    expect(e.message).toMatch(/JSON/i);
  });

  it('explains a dimension mismatch between the model and the configuration', async () => {
    const e = await rejectionOf(make({ model: 'bge-m3:567m' }).embed(['x'], 'query'));

    expect(e).toBeInstanceOf(EmbedderFailedError);
    expect(e.message).toMatch(/16-d vectors but 12 were configured/);
  });

  it('reports an unreachable server as unavailable, naming where it looked', async () => {
    const port = await closedPort();

    const e = await rejectionOf(make({ baseUrl: `http://127.0.0.1:${port}` }).embed(['x'], 'query'));

    expect(e).toBeInstanceOf(EmbedderUnavailableError);
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });

  it('is not ready until warmUp() reaches the server, and stays not ready when it fails', async () => {
    const broken = make({ model: 'not-pulled' });
    await expect(broken.warmUp()).rejects.toBeInstanceOf(EmbedderFailedError);
    expect(broken.ready).toBe(false);

    const embedder = make();
    expect(embedder.ready).toBe(false);
    await embedder.warmUp();
    expect(embedder.ready).toBe(true);
  });
});
