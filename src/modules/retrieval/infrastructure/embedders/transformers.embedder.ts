import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { Embedder, EmbedderInfo, EmbeddingPurpose } from '../../application/ports/embedder.port';
import { EmbedderUnavailableError } from '../../domain/retrieval.errors';
import { providerError, safeMessage, toUnitVectors } from './vector-utils';

export interface TransformersEmbedderOptions {
  /** Hub model id (Xenova/multilingual-e5-small) or a local directory holding config.json + onnx/. */
  model: string;
  cacheDir: string;
  remoteHost: string;
  localOnly: boolean;
  queryPrefix: string;
  documentPrefix: string;
  batchSize: number;
}

type Extractor = (texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<{ tolist(): number[][] }>;

/**
 * Local neural embeddings with transformers.js (ONNX Runtime on CPU). The model is downloaded on first
 * use into cacheDir (progress logged) and loaded from there afterwards; e5-style query/passage
 * prefixes are applied per purpose.
 */
export class TransformersEmbedder implements Embedder {
  private readonly logger = new Logger('TransformersEmbedder');
  private extractor?: Extractor;
  private loading?: Promise<void>;
  private dimension?: number;

  constructor(private readonly options: TransformersEmbedderOptions) {}

  get info(): EmbedderInfo {
    return {
      provider: 'transformers',
      modelId: `transformers:${this.options.model}`,
      dimension: this.dimension ?? 0,
      kind: 'semantic',
      description: `transformers.js feature extraction (${this.options.model}, mean pooling, ONNX Runtime CPU)`,
    };
  }

  get ready(): boolean {
    return this.extractor !== undefined;
  }

  warmUp(): Promise<void> {
    this.loading ??= this.load().catch((e) => {
      this.loading = undefined; // a later call may retry (network back, files copied in)
      throw e;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const { pipeline, env } = await import('@huggingface/transformers');
    const local = isAbsolute(this.options.model) || this.options.model.startsWith('.') ? resolve(this.options.model) : undefined;
    env.cacheDir = this.options.cacheDir;
    env.remoteHost = this.options.remoteHost.endsWith('/') ? this.options.remoteHost : `${this.options.remoteHost}/`;
    env.allowRemoteModels = !this.options.localOnly && !local;
    env.allowLocalModels = true;
    let modelId = this.options.model;
    if (local) {
      if (!existsSync(local)) throw new EmbedderUnavailableError('transformers', `local model directory ${local} does not exist`);
      env.localModelPath = dirname(local);
      modelId = basename(local);
    }
    const seen = new Map<string, number>();
    this.logger.log(`loading ${this.options.model} (cache ${this.options.cacheDir})`);
    try {
      const extractor = await pipeline('feature-extraction', modelId, {
        progress_callback: (p: { status: string; file?: string; progress?: number; loaded?: number; total?: number }) => {
          if (p.status === 'progress' && p.file && p.progress !== undefined) {
            const step = Math.floor(p.progress / 25) * 25; // log at 0/25/50/75/100 %
            if ((seen.get(p.file) ?? -1) < step) {
              seen.set(p.file, step);
              this.logger.log(`downloading ${p.file}: ${step}% (${p.loaded ?? 0}/${p.total ?? '?'} bytes)`);
            }
          }
        },
      });
      this.extractor = extractor as unknown as Extractor;
      const [probe] = (await this.extractor(['ok'], { pooling: 'mean', normalize: true })).tolist();
      this.dimension = probe.length;
      this.logger.log(`loaded ${this.options.model} (${this.dimension}-d) in ${Date.now() - started} ms`);
    } catch (e) {
      if (e instanceof EmbedderUnavailableError) throw e;
      throw new EmbedderUnavailableError(
        'transformers',
        `could not load model ${this.options.model} from ${local ?? env.remoteHost} (${safeMessage(e)}). ` +
          `Check network access to the model hub (HF_ENDPOINT), or point retrieval.embedder.transformers.model at a local directory.`,
      );
    }
  }

  async embed(texts: string[], purpose: EmbeddingPurpose): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    await this.warmUp();
    const prefix = purpose === 'query' ? this.options.queryPrefix : this.options.documentPrefix;
    const out: Float32Array[] = [];
    try {
      for (let i = 0; i < texts.length; i += this.options.batchSize) {
        const batch = texts.slice(i, i + this.options.batchSize).map((t) => prefix + t);
        const rows = (await this.extractor!(batch, { pooling: 'mean', normalize: true })).tolist();
        out.push(...toUnitVectors('transformers', rows, this.dimension, batch.length));
      }
    } catch (e) {
      throw providerError('transformers', e);
    }
    return out;
  }
}
