import { OpenAIEmbeddings } from '@langchain/openai';
import { EmbedderInfo, EmbeddingPurpose } from '../../application/ports/embedder.port';
import { RemoteEmbedder } from './base.embedder';
import { EmbedderFailedError, EmbedderUnavailableError } from '../../domain/retrieval.errors';
import { decodeBase64Float32, fetchWithDeadline, providerError, toUnitVectors } from './vector-utils';

export interface OpenAiEmbedderOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  dimension: number;
  timeoutMs: number;
  maxRetries: number;
  batchSize: number;
}

/**
 * LangChain's OpenAIEmbeddings, one request per call. Its embedDocuments cannot be used as is: it reads
 * `data[j]` by position instead of `index`, and with no encoding_format the OpenAI SDK asks for base64 and
 * decodes whatever comes back as base64, which turns the float arrays of servers that ignore the parameter
 * (LM Studio, Ollama's /v1, Infinity) into vectors a quarter of the size.
 */
class EmbeddingsClient extends OpenAIEmbeddings {
  /** One POST /embeddings (retried by LangChain's AsyncCaller); embeddings come back as sent: base64 strings or float arrays. */
  async create(input: string[]): Promise<{ data?: unknown }> {
    return this.embeddingWithRetry({
      model: this.model,
      input,
      encoding_format: 'base64',
      ...(this.dimensions ? { dimensions: this.dimensions } : {}),
    });
  }
}

/** Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, Azure-compatible gateways, vLLM, LM Studio, Ollama's /v1). */
export class OpenAiEmbedder extends RemoteEmbedder {
  readonly info: EmbedderInfo;
  private readonly client: EmbeddingsClient;
  private readonly origin: string;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    super();
    const url = new URL(options.baseUrl);
    const isOpenAi = /(^|\.)openai\.com$/i.test(url.hostname);
    if (isOpenAi && !options.apiKey) {
      throw new EmbedderUnavailableError(
        'openai',
        'no API key: set OPENAI_API_KEY (retrieval.embedder.openai.apiKey)',
      );
    }
    this.origin = url.origin;
    this.info = {
      provider: 'openai',
      modelId: `openai:${options.model}:${options.dimension}`,
      dimension: options.dimension,
      kind: 'semantic',
      description: `OpenAI-compatible embeddings (${options.model}) at ${url.origin}`,
    };
    this.client = new EmbeddingsClient({
      model: options.model,
      // Only OpenAI's text-embedding-3 models accept a `dimensions` request parameter.
      dimensions: /text-embedding-3/.test(options.model) ? options.dimension : undefined,
      apiKey: options.apiKey || 'not-needed',
      maxRetries: options.maxRetries,
      // The deadline covers headers and body of each attempt; retries are LangChain's (maxRetries above).
      configuration: { baseURL: options.baseUrl, maxRetries: 0, fetch: fetchWithDeadline(options.timeoutMs) },
    });
  }

  async embed(texts: string[], _purpose: EmbeddingPurpose = 'document'): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.options.batchSize) {
      batches.push(texts.slice(i, i + this.options.batchSize).map((t) => t.replace(/\n/g, ' ')));
    }
    try {
      // LangChain's caller runs at most two batches at a time.
      const results = await Promise.all(
        batches.map(async (batch) => this.toVectors(await this.client.create(batch), batch.length)),
      );
      this.warmed = true;
      return results.flat();
    } catch (e) {
      throw providerError('openai', e, {
        endpoint: this.origin,
        timeoutMs: this.options.timeoutMs,
        secrets: [this.options.apiKey],
      });
    }
  }

  /** Orders `data` by `index`, decodes base64 or float rows, and checks count and dimension. */
  private toVectors(response: { data?: unknown }, count: number): Float32Array[] {
    if (!Array.isArray(response.data))
      throw new EmbedderFailedError('openai', 'response has no `data` array');
    const items = response.data as { index?: unknown; embedding?: unknown }[];
    const indices = items.map((d) => d?.index);
    const byIndex = indices.every((i) => Number.isInteger(i)) && new Set(indices).size === items.length;
    const ordered = byIndex ? [...items].sort((a, b) => (a.index as number) - (b.index as number)) : items;
    const rows = ordered.map((d) => {
      const emb = d?.embedding;
      if (typeof emb === 'string') return decodeBase64Float32(emb);
      if (Array.isArray(emb) && emb.every((x) => typeof x === 'number')) return emb as number[];
      throw new EmbedderFailedError(
        'openai',
        'response has an item without an `embedding` array or base64 string',
      );
    });
    return toUnitVectors('openai', rows, this.options.dimension, count);
  }
}
