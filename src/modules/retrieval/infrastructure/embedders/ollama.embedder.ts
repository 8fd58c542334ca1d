import { OllamaEmbeddings } from '@langchain/ollama';
import { Embedder, EmbedderInfo, EmbeddingPurpose } from '../../application/ports/embedder.port';
import { providerError, toUnitVectors } from './vector-utils';

export interface OllamaEmbedderOptions {
  baseUrl: string;
  model: string;
  dimension: number;
  timeoutMs: number;
  batchSize: number;
}

/** Ollama's native /api/embed endpoint (local models such as nomic-embed-text or bge-m3). */
export class OllamaEmbedder implements Embedder {
  readonly info: EmbedderInfo;
  private readonly client: OllamaEmbeddings;
  private warmed = false;

  constructor(private readonly options: OllamaEmbedderOptions) {
    this.info = {
      provider: 'ollama',
      modelId: `ollama:${options.model}:${options.dimension}`,
      dimension: options.dimension,
      kind: 'semantic',
      description: `Ollama embeddings (${options.model}) at ${new URL(options.baseUrl).origin}`,
    };
    this.client = new OllamaEmbeddings({ model: options.model, baseUrl: options.baseUrl, maxRetries: 1 });
  }

  get ready(): boolean {
    return this.warmed;
  }

  async warmUp(): Promise<void> {
    if (this.warmed) return;
    await this.embed(['ping'], 'query');
  }

  async embed(texts: string[], _purpose: EmbeddingPurpose): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const out: Float32Array[] = [];
    try {
      for (let i = 0; i < texts.length; i += this.options.batchSize) {
        const batch = texts.slice(i, i + this.options.batchSize);
        const rows = await withTimeout(this.client.embedDocuments(batch), this.options.timeoutMs);
        out.push(...toUnitVectors('ollama', rows, this.options.dimension, batch.length));
      }
    } catch (e) {
      throw providerError('ollama', e);
    }
    this.warmed = true;
    return out;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`request timed out after ${ms} ms`)), ms);
    }),
  ]);
}
