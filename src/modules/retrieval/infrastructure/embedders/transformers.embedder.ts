import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { EmbedderInfo, EmbeddingPurpose } from '../../application/ports/embedder.port';
import { BaseEmbedder } from './base.embedder';
import { EmbedderUnavailableError } from '../../domain/retrieval.errors';
import { providerError, safeMessage, toUnitVectors } from './vector-utils';

/** ONNX weight variants transformers.js knows: fp32 -> onnx/model.onnx, q8 -> onnx/model_quantized.onnx, ... */
export type TransformersDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

export interface TransformersEmbedderOptions {
  /** Hub model id (Xenova/multilingual-e5-small) or a local directory holding config.json + onnx/. */
  model: string;
  cacheDir: string;
  remoteHost: string;
  localOnly: boolean;
  queryPrefix: string;
  documentPrefix: string;
  batchSize: number;
  /**
   * Which ONNX weights to load. Unset: the transformers.js default (fp32 = onnx/model.onnx on the Node CPU
   * backend, unless the model's config.json names another dtype under "transformers.js_config").
   */
  dtype?: TransformersDtype;
}

type Extractor = (texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<{ tolist(): number[][] }>;
type TransformersEnv = Awaited<typeof import('@huggingface/transformers')>['env'];
type Fetch = TransformersEnv['fetch'];

/** transformers.js keeps its settings in one global `env`: loads are serialized so two instances cannot mix them. */
let envLock: Promise<unknown> = Promise.resolve();
/** env values as the library set them, restored when an instance does not override them. */
let envDefaults: { localModelPath: string; fetch: Fetch } | undefined;

/**
 * Local neural embeddings with transformers.js (ONNX Runtime on CPU). The model is downloaded on first
 * use into cacheDir (progress logged) and loaded from there afterwards; e5-style query/passage
 * prefixes are applied per purpose.
 */
export class TransformersEmbedder extends BaseEmbedder {
  private readonly logger = new Logger('TransformersEmbedder');
  private extractor?: Extractor;
  private loading?: Promise<void>;
  private loadedDimension?: number;

  constructor(private readonly options: TransformersEmbedderOptions) {
    super();
  }

  get info(): EmbedderInfo {
    return {
      provider: 'transformers',
      modelId: `transformers:${this.options.model}`,
      dimension: this.loadedDimension ?? 0,
      kind: 'semantic',
      description: `transformers.js feature extraction (${this.options.model}, mean pooling, ONNX Runtime CPU)`,
    };
  }

  get ready(): boolean {
    return this.extractor !== undefined;
  }

  warmUp(): Promise<void> {
    this.loading ??= this.serialized(() => this.load()).catch((e) => {
      this.loading = undefined; // a later call may retry (network back, files copied in)
      throw e;
    });
    return this.loading;
  }

  private serialized(fn: () => Promise<void>): Promise<void> {
    const run = envLock.then(fn, fn);
    envLock = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const { pipeline, env } = await import('@huggingface/transformers');
    envDefaults ??= { localModelPath: env.localModelPath, fetch: env.fetch };
    const local = isAbsolute(this.options.model) || this.options.model.startsWith('.') ? resolve(this.options.model) : undefined;
    const host = this.options.remoteHost.endsWith('/') ? this.options.remoteHost : `${this.options.remoteHost}/`;
    env.cacheDir = this.options.cacheDir;
    env.remoteHost = host;
    env.allowRemoteModels = !this.options.localOnly && !local;
    env.allowLocalModels = true;
    env.localModelPath = envDefaults.localModelPath;
    let modelId = this.options.model;
    if (local) {
      if (!existsSync(local)) throw new EmbedderUnavailableError('transformers', `local model directory ${local} does not exist`);
      env.localModelPath = dirname(local);
      modelId = basename(local);
    }
    // Files transformers.js really fetches (not its 1-byte Range probes): cache hits report progress too, so
    // this tells a download from a cache read.
    const fetched = new Set<string>();
    const baseFetch = envDefaults.fetch;
    env.fetch = (input, init) => {
      const headers = init && typeof init === 'object' && 'headers' in init ? new Headers(init.headers) : undefined;
      if (!headers?.has('range')) fetched.add(String(input));
      return baseFetch(input, init);
    };
    const downloaded = (file: string): boolean => [...fetched].some((url) => url.endsWith(`/${file}`));
    const seen = new Map<string, number>();
    this.logger.log(
      `loading ${this.options.model} (${local ? 'local directory' : this.options.localOnly ? 'cache only' : `hub ${host}`}, cache ${this.options.cacheDir})`,
    );
    try {
      const extractor = (await pipeline('feature-extraction', modelId, {
        dtype: this.options.dtype,
        progress_callback: (p: { status: string; file?: string; progress?: number; loaded?: number; total?: number }) => {
          if (p.status === 'progress' && p.file && p.progress !== undefined && downloaded(p.file)) {
            const step = Math.floor(p.progress / 25) * 25; // log at 0/25/50/75/100 %
            if ((seen.get(p.file) ?? -1) < step) {
              seen.set(p.file, step);
              this.logger.log(`downloading ${p.file}: ${step}% (${p.loaded ?? 0}/${p.total ?? '?'} bytes)`);
            }
          }
        },
      })) as unknown as Extractor;
      const [probe] = (await extractor(['ok'], { pooling: 'mean', normalize: true })).tolist();
      this.loadedDimension = probe.length;
      this.extractor = extractor;
      const source = fetched.size > 0 ? `${fetched.size} file(s) downloaded from ${host}` : local ? 'local directory' : 'from cache';
      this.logger.log(`loaded ${this.options.model} (${this.loadedDimension}-d, ${source}) in ${Date.now() - started} ms`);
    } catch (e) {
      if (e instanceof EmbedderUnavailableError) throw e;
      throw new EmbedderUnavailableError('transformers', this.loadFailure(e, local, host));
    } finally {
      env.fetch = baseFetch;
    }
  }

  /** The reason for EmbedderUnavailableError: what failed (model, source, cause) and what to do about it. */
  private loadFailure(e: unknown, local: string | undefined, host: string): string {
    const { model, cacheDir, localOnly } = this.options;
    const reason = describe(e);
    const what = `could not load model ${model} from ${local ?? (localOnly ? `cache ${cacheDir}` : host)} (${reason}).`;
    if (local) return `${what} The directory must hold config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx.`;
    if (localOnly) {
      return (
        `${what} retrieval.embedder.transformers.localOnly is set and the model is not complete in the cache: ` +
        `run once with access to the hub, copy the model files into ${join(cacheDir, model)}, or point ` +
        `retrieval.embedder.transformers.model at a local directory.`
      );
    }
    // transformers.js: ModelFileNotFoundError for 401/403/404, a plain Error naming the status otherwise
    if (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ModelFileNotFoundError') {
      return (
        `${what} The hub has no such model or file: check retrieval.embedder.transformers.model (the repository must ` +
        `ship ONNX weights under onnx/; private or gated ones also need HF_TOKEN) and HF_ENDPOINT.`
      );
    }
    if (/error occurred while trying to load file/i.test(reason)) {
      return `${what} The hub answered with an error: check HF_ENDPOINT or try again later. The next request retries.`;
    }
    return (
      `${what} Check network access to the model hub (HF_ENDPOINT), or point retrieval.embedder.transformers.model ` +
      `at a local directory. The next request retries.`
    );
  }

  async embed(texts: string[], purpose: EmbeddingPurpose = 'document'): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    await this.warmUp();
    const prefix = purpose === 'query' ? this.options.queryPrefix : this.options.documentPrefix;
    const out: Float32Array[] = [];
    try {
      for (let i = 0; i < texts.length; i += this.options.batchSize) {
        const batch = texts.slice(i, i + this.options.batchSize).map((t) => prefix + t);
        const rows = (await this.extractor!(batch, { pooling: 'mean', normalize: true })).tolist();
        out.push(...toUnitVectors('transformers', rows, this.loadedDimension, batch.length));
      }
    } catch (e) {
      throw providerError('transformers', e);
    }
    return out;
  }
}

/**
 * Error text plus its cause: undici only says "fetch failed", the cause says ECONNREFUSED / socket closed.
 * Duck-typed, as errors from Node's fetch may come from another realm (Jest's sandbox).
 */
function describe(e: unknown): string {
  const text = (x: unknown): string =>
    typeof x === 'object' && x !== null && typeof (x as { message?: unknown }).message === 'string'
      ? (x as { message: string }).message
      : String(x);
  const msg = safeMessage(text(e)).replace(/\.$/, '');
  const cause = typeof e === 'object' && e !== null ? (e as { cause?: unknown }).cause : undefined;
  if (cause === undefined || cause === null) return msg;
  const code = (cause as { code?: unknown }).code;
  const detail = safeMessage(text(cause));
  return `${msg}: ${typeof code === 'string' && !detail.includes(code) ? `${code} ` : ''}${detail}`;
}
