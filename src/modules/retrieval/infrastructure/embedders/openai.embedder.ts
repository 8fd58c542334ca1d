import { OpenAIEmbeddings } from '@langchain/openai';
import { Embedder, EmbedderInfo, EmbeddingPurpose } from '../../application/ports/embedder.port';
import { EmbedderUnavailableError } from '../../domain/retrieval.errors';
import { providerError, toUnitVectors } from './vector-utils';

export interface OpenAiEmbedderOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  dimension: number;
  timeoutMs: number;
  maxRetries: number;
  batchSize: number;
}

/** Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, Azure-compatible gateways, vLLM, LM Studio, Ollama's /v1). */
export class OpenAiEmbedder implements Embedder {
  readonly info: EmbedderInfo;
  private readonly client: OpenAIEmbeddings;
  private warmed = false;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    const isOpenAi = /(^|\.)openai\.com$/i.test(new URL(options.baseUrl).hostname);
    if (isOpenAi && !options.apiKey) {
      throw new EmbedderUnavailableError('openai', 'no API key: set OPENAI_API_KEY (retrieval.embedder.openai.apiKey)');
    }
    this.info = {
      provider: 'openai',
      modelId: `openai:${options.model}:${options.dimension}`,
      dimension: options.dimension,
      kind: 'semantic',
      description: `OpenAI-compatible embeddings (${options.model}) at ${new URL(options.baseUrl).origin}`,
    };
    this.client = new OpenAIEmbeddings({
      model: options.model,
      // Only OpenAI's text-embedding-3 models accept a `dimensions` request parameter.
      dimensions: /text-embedding-3/.test(options.model) ? options.dimension : undefined,
      apiKey: options.apiKey || 'not-needed',
      batchSize: options.batchSize,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
      configuration: { baseURL: options.baseUrl, maxRetries: 0 },
    });
  }

  get ready(): boolean {
    return this.warmed;
  }

  async warmUp(): Promise<void> {
    if (this.warmed) return;
    await this.embed(['ping'], 'query');
    this.warmed = true;
  }

  async embed(texts: string[], _purpose: EmbeddingPurpose): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    try {
      const rows = await this.client.embedDocuments(texts);
      const out = toUnitVectors('openai', rows, this.options.dimension, texts.length);
      this.warmed = true;
      return out;
    } catch (e) {
      throw providerError('openai', e);
    }
  }
}
