/**
 * @jest-environment ./support/onnx-node.environment.ts
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Logger } from '@nestjs/common';
import { EmbedderUnavailableError } from '../src/modules/retrieval/domain/retrieval.errors';
import {
  TransformersEmbedder,
  TransformersEmbedderOptions,
} from '../src/modules/retrieval/infrastructure/embedders/transformers.embedder';
import { FakeHfHub, HubRequest } from './support/fake-hf-hub.server';
import { buildTinyModelFiles, ModelFiles, TINY_HIDDEN_SIZE, writeModelFiles } from './support/tiny-model';

/**
 * The transformers.js adapter against a real (tiny) ONNX model served by a local stand-in for the Hugging Face
 * hub: download + cache + progress logs, cache-only restarts, failures, local directories. No internet needed.
 */

const MODEL = 'acervo-test/tiny-bert-pt';
const REPO_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];
const TEXTS = [
  'Política de férias: como solicitar',
  'Prazo do contrato de pagamento',
  'política de férias: como solicitar',
];

let hub: FakeHfHub;
let files: ModelFiles;
let root: string;
let logs: string[];
let warnings: string[];

const tmp = (name: string): string => mkdtempSync(join(root, `${name}-`));
const embedder = (o: Partial<TransformersEmbedderOptions>): TransformersEmbedder =>
  new TransformersEmbedder({
    model: MODEL,
    cacheDir: tmp('cache'),
    remoteHost: hub.url,
    localOnly: false,
    queryPrefix: 'query: ',
    documentPrefix: 'passage: ',
    batchSize: 2,
    ...o,
  });
/** Requests that downloaded a file (not the 1-byte Range probes), by repo-relative path. */
const downloads = (reqs: HubRequest[]): string[] =>
  reqs
    .filter((r) => r.method === 'GET' && !r.range && r.status === 200)
    .map((r) => r.path.replace(/^.*?\/(resolve\/[^/]+|-)\//, ''));
const norm = (v: Float32Array): number => Math.hypot(...v);
const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i], 0);

/** Resolves once `cond` holds, or after `timeoutMs` (the assertions then tell what was missing). */
async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
}

async function unreachableHost(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/`;
}

async function failure(p: Promise<unknown>): Promise<EmbedderUnavailableError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EmbedderUnavailableError);
  const err = e as EmbedderUnavailableError;
  expect(err.code).toBe('RETRIEVAL.EMBEDDER_UNAVAILABLE');
  expect(err.kind).toBe('unavailable');
  return err;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'acervo-transformers-e2e-'));
  files = buildTinyModelFiles();
  // model.onnx is sent in 4 slices, each one held back until the adapter has logged the previous step:
  // deterministic 25/50/75/100 % progress whatever the machine's speed
  hub = new FakeHfHub({
    bodySlices: 4,
    betweenSlices: (file, next) =>
      file === 'onnx/model.onnx'
        ? until(() => logs.some((l) => l.startsWith(`downloading ${file}: ${next * 25}%`)), 2000)
        : new Promise((r) => setTimeout(r, 5)),
  });
  for (const id of [
    MODEL,
    'acervo-test/flaky',
    'acervo-test/dropped',
    'acervo-test/cut',
    'acervo-test/partial',
  ]) {
    hub.addModel(id, files);
  }
  hub.addModel('acervo-test/quantized', buildTinyModelFiles({ withQuantizedAlias: true }));
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  hub.reset();
  logs = [];
  warnings = [];
  jest
    .spyOn(Logger.prototype, 'log')
    .mockImplementation((message: unknown) => void logs.push(String(message)));
  // transformers.js warns on console (e.g. when its size probe fails); keep the output quiet but inspectable
  jest
    .spyOn(console, 'warn')
    .mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(' ')));
});

afterEach(() => jest.restoreAllMocks());

describe('first use: download from the hub', () => {
  let cacheDir: string;
  let reference: Float32Array[];

  it('downloads the model into cacheDir with progress logs, then embeds with it', async () => {
    cacheDir = tmp('cache');
    const e = embedder({ cacheDir });
    expect(e.ready).toBe(false);
    expect(e.info.dimension).toBe(0);

    await e.warmUp();

    expect(e.ready).toBe(true);
    expect(e.info).toMatchObject({
      provider: 'transformers',
      modelId: `transformers:${MODEL}`,
      dimension: TINY_HIDDEN_SIZE,
      kind: 'semantic',
    });
    // every repo file downloaded exactly once, byte for byte into <cacheDir>/<model>/<file>, no temp leftovers
    expect(downloads(hub.requests).sort()).toEqual([...REPO_FILES].sort());
    for (const f of REPO_FILES)
      expect(readFileSync(join(cacheDir, MODEL, f)).equals(files.get(f)!)).toBe(true);
    expect(readdirSync(join(cacheDir, MODEL, 'onnx'))).toEqual(['model.onnx']);
    // hub layout and client, including the LFS-style redirect for the weights
    expect(hub.requests.every((r) => r.userAgent?.startsWith('transformers.js/'))).toBe(true);
    expect(hub.requests.map((r) => r.path)).toContain(`/${MODEL}/resolve/main/config.json`);
    expect(hub.requests.find((r) => r.path === `/${MODEL}/resolve/main/onnx/model.onnx`)?.status).toBe(302);
    // progress logged per file, in 25 % steps
    expect(logs[0]).toMatch(new RegExp(`^loading ${MODEL} \\(hub ${hub.url}, cache `));
    const size = files.get('onnx/model.onnx')!.length;
    const onnxSteps = logs
      .filter((l) => l.startsWith('downloading onnx/model.onnx: '))
      .map((l) => Number(/: (\d+)%/.exec(l)![1]));
    expect(onnxSteps.filter((p) => p > 0)).toEqual([25, 50, 75, 100]);
    expect(logs).toContain(`downloading onnx/model.onnx: 100% (${size}/${size} bytes)`);
    expect(logs).toContain(
      `downloading config.json: 100% (${files.get('config.json')!.length}/${files.get('config.json')!.length} bytes)`,
    );
    expect(logs.at(-1)).toMatch(
      new RegExp(`^loaded ${MODEL} \\(8-d, 4 file\\(s\\) downloaded from ${hub.url}\\) in \\d+ ms$`),
    );

    const before = hub.count();
    const vectors = await e.embed(TEXTS, 'document');
    reference = vectors; // for the cache tests below
    expect(hub.count()).toBe(before); // embedding never touches the network
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(TINY_HIDDEN_SIZE);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    const [a, b, aAgain] = vectors;
    expect(Array.from(aAgain)).toEqual(Array.from(a)); // same text (modulo case) -> same vector
    expect(cosine(a, b)).toBeLessThan(0.99); // different words -> different vector
    // batching (batchSize 2, padded) gives the same vectors as one text at a time
    const single = await Promise.all(TEXTS.map(async (t) => (await e.embed([t], 'document'))[0]));
    single.forEach((v, i) => Array.from(v).forEach((x, j) => expect(x).toBeCloseTo(vectors[i][j], 6)));
    // query/passage prefixes change the input
    const [q] = await e.embed([TEXTS[0]], 'query');
    expect(cosine(q, a)).toBeLessThan(0.9999);
    // without a purpose the port embeds as a document (the passage prefix)
    const [plain] = await e.embed([TEXTS[0]]);
    Array.from(plain).forEach((x, j) => expect(x).toBeCloseTo(a[j], 6));
    expect({ dimension: e.dimension, modelId: e.modelId }).toEqual({ dimension: e.info.dimension, modelId: e.info.modelId });
  });

  it('a restarted process (fresh library, fresh adapter) loads from the cache without any request', async () => {
    expect(existsSync(join(cacheDir, MODEL, 'onnx/model.onnx'))).toBe(true);
    const { env: loadedEnv } = await import('@huggingface/transformers');
    await jest.isolateModulesAsync(async () => {
      // a new transformers.js instance: none of its in-memory memoization (configs, file metadata) carries over
      expect((await import('@huggingface/transformers')).env).not.toBe(loadedEnv);
      const nest = await import('@nestjs/common');
      const fresh: string[] = [];
      jest.spyOn(nest.Logger.prototype, 'log').mockImplementation((m: unknown) => void fresh.push(String(m)));
      const { TransformersEmbedder: FreshEmbedder } =
        await import('../src/modules/retrieval/infrastructure/embedders/transformers.embedder');
      expect(FreshEmbedder).not.toBe(TransformersEmbedder);
      const e = new FreshEmbedder({
        model: MODEL,
        cacheDir,
        remoteHost: hub.url, // reachable, yet not asked
        localOnly: false,
        queryPrefix: 'query: ',
        documentPrefix: 'passage: ',
        batchSize: 2,
      });
      const vectors = await e.embed(TEXTS, 'document');
      expect(hub.requests).toEqual([]);
      expect(fresh.filter((l) => l.startsWith('downloading'))).toEqual([]);
      expect(fresh.at(-1)).toMatch(new RegExp(`^loaded ${MODEL} \\(8-d, from cache\\)`));
      expect(vectors.map((v) => Array.from(v))).toEqual(reference.map((v) => Array.from(v)));
    });
  });

  it('localOnly loads from the cache with the hub unreachable', async () => {
    const e = embedder({ cacheDir, localOnly: true, remoteHost: await unreachableHost() });
    const [v] = await e.embed([TEXTS[0]], 'document');
    expect(Array.from(v)).toEqual(Array.from(reference[0]));
    expect(e.info.dimension).toBe(TINY_HIDDEN_SIZE);
    expect(logs[0]).toContain('(cache only, cache ');
    expect(hub.requests).toEqual([]);
  });
});

describe('failures are reported clearly and can be retried', () => {
  it('a hub that answers 404 -> EmbedderUnavailableError naming the model; a later warmUp succeeds', async () => {
    const e = embedder({ model: 'acervo-test/flaky' });
    hub.mode = 'not-found';
    const err = await failure(e.warmUp());
    expect(err.message).toContain('could not load model acervo-test/flaky from http://127.0.0.1:');
    expect(err.message).toContain('Could not locate file');
    expect(err.message).toContain('check retrieval.embedder.transformers.model');
    expect(e.ready).toBe(false);
    await failure(e.embed(['x'], 'query')); // embed() surfaces the same 503, not a 502

    hub.mode = 'ok';
    await e.warmUp();
    expect(e.ready).toBe(true);
    expect((await e.embed(['política'], 'query'))[0]).toHaveLength(TINY_HIDDEN_SIZE);
  });

  it('an unreachable hub -> EmbedderUnavailableError with the network cause and what to do', async () => {
    const cacheDir = tmp('cache');
    const e = embedder({ cacheDir, remoteHost: await unreachableHost() });
    const err = await failure(e.warmUp());
    expect(err.message).toContain(`could not load model ${MODEL}`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toContain('HF_ENDPOINT');
    expect(e.ready).toBe(false);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('a dropped connection fails, and the same instance recovers once the hub is back', async () => {
    const e = embedder({ model: 'acervo-test/dropped' });
    hub.mode = 'close';
    const err = await failure(e.warmUp());
    expect(err.message).toMatch(/fetch failed: UND_ERR_SOCKET other side closed\)\. Check network access/);
    expect(err.message).toContain('The next request retries');
    hub.mode = 'ok';
    await expect(e.warmUp()).resolves.toBeUndefined();
    expect(e.ready).toBe(true);
  });

  it('a download cut half-way is not cached as the model; the retry fetches only what is missing', async () => {
    const cacheDir = tmp('cache');
    const e = embedder({ model: 'acervo-test/cut', cacheDir });
    hub.fileModes.set('onnx/model.onnx', 'truncate');
    await failure(e.warmUp());
    // nothing under the final name (transformers.js writes to a temp file and renames when complete)...
    const onnxDir = join(cacheDir, 'acervo-test/cut/onnx');
    expect(existsSync(join(onnxDir, 'model.onnx'))).toBe(false);
    // ...though when the connection drops before the first chunk, transformers.js 4.3 can leave its (empty)
    // temp file behind: its write stream opens after the cleanup ran. Harmless: never read as the model.
    const leftovers = existsSync(onnxDir) ? readdirSync(onnxDir) : [];
    for (const f of leftovers) expect(f).toMatch(/^model\.onnx\.tmp\.\d+\.\w+$/);

    hub.fileModes.clear();
    await e.warmUp();
    expect(downloads(hub.requests).filter((f) => f === 'config.json')).toHaveLength(1);
    expect(
      readFileSync(join(cacheDir, 'acervo-test/cut/onnx/model.onnx')).equals(files.get('onnx/model.onnx')!),
    ).toBe(true);
  });

  it('a 500 on the weights is reported with the status', async () => {
    const e = embedder({ model: 'acervo-test/partial' });
    hub.fileModes.set('onnx/model.onnx', 'error');
    const err = await failure(e.warmUp());
    expect(err.message).toContain('Internal server error');
    expect(err.message).toContain('The hub answered with an error');
    expect(warnings.join('\n')).toContain('Unable to fetch model file metadata');
    expect(err.message).toContain('onnx/model.onnx');
    expect(e.ready).toBe(false);
  });

  it('localOnly with an empty cache says how to get the model there', async () => {
    const cacheDir = tmp('cache');
    const e = embedder({ cacheDir, localOnly: true });
    const err = await failure(e.warmUp());
    expect(err.message).toContain(`could not load model ${MODEL} from cache ${cacheDir}`);
    expect(err.message).toContain(`copy the model files into ${join(cacheDir, MODEL)}`);
    expect(hub.requests).toEqual([]);
  });
});

describe('options', () => {
  it('dtype q8 downloads onnx/model_quantized.onnx instead of onnx/model.onnx', async () => {
    const cacheDir = tmp('cache');
    const e = embedder({ model: 'acervo-test/quantized', cacheDir, dtype: 'q8' });
    await e.warmUp();
    expect(downloads(hub.requests)).toContain('onnx/model_quantized.onnx');
    expect(downloads(hub.requests)).not.toContain('onnx/model.onnx');
    expect(existsSync(join(cacheDir, 'acervo-test/quantized/onnx/model_quantized.onnx'))).toBe(true);
  });
});

describe('local model directory', () => {
  it('loads an absolute or relative directory with no hub and no cache writes', async () => {
    const dir = writeModelFiles(join(tmp('models'), 'tiny-local'), files);
    const cacheDir = tmp('cache');
    const remoteHost = await unreachableHost();
    for (const model of [dir, relative(process.cwd(), dir)]) {
      const e = embedder({ model, cacheDir, remoteHost });
      const vectors = await e.embed(TEXTS, 'document');
      expect(e.ready).toBe(true);
      expect(e.info).toMatchObject({ modelId: `transformers:${model}`, dimension: TINY_HIDDEN_SIZE });
      expect(vectors).toHaveLength(3);
      expect(Array.from(vectors[2])).toEqual(Array.from(vectors[0]));
    }
    expect(readdirSync(cacheDir)).toEqual([]);
    expect(logs.filter((l) => l.startsWith('downloading'))).toEqual([]);
    expect(hub.requests).toEqual([]);
  });

  it('a missing or incomplete directory -> EmbedderUnavailableError naming it', async () => {
    const missing = join(root, 'nope', 'model');
    expect((await failure(embedder({ model: missing }).warmUp())).message).toContain(
      `local model directory ${missing} does not exist`,
    );

    const incomplete = new Map(files);
    incomplete.delete('onnx/model.onnx');
    const dir = writeModelFiles(join(tmp('models'), 'no-weights'), incomplete);
    const err = await failure(embedder({ model: dir }).warmUp());
    expect(err.message).toContain(`could not load model ${dir} from ${dir}`);
    expect(err.message).toContain('onnx/model.onnx');
  });
});
