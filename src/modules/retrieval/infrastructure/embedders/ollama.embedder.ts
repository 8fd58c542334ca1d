import { OllamaEmbeddings } from '@langchain/ollama';
import { EmbedderInfo, EmbeddingPurpose } from '../../application/ports/embedder.port';
import { RemoteEmbedder } from './base.embedder';
import { EmbedderFailedError } from '../../domain/retrieval.errors';
import { fetchWithDeadline, providerError, toUnitVectors } from './vector-utils';

export interface OllamaEmbedderOptions {
  baseUrl: string;
  model: string;
  dimension: number;
  timeoutMs: number;
  batchSize: number;
  /** Retries after a connection error, timeout or 5xx (default 1); LangChain waits 1-2 s, then 2-4 s, ... between attempts. */
  maxRetries?: number;
}

/** The ollama client's errors carry the HTTP status as `status_code`, which LangChain's retry policy does not read. */
function httpStatus(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { status_code: code, status } = e as { status_code?: unknown; status?: unknown };
  return typeof code === 'number' ? code : typeof status === 'number' ? status : undefined;
}

/** Connection errors, timeouts and 5xx are retried; a 4xx (model not pulled, bad request) will not get better. */
function failFastOnClientErrors(e: unknown): void {
  const status = httpStatus(e);
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) throw e;
}

/** Ollama's native /api/embed endpoint (local models such as nomic-embed-text or bge-m3). */
export class OllamaEmbedder extends RemoteEmbedder {
  readonly info: EmbedderInfo;
  private readonly client: OllamaEmbeddings;
  private readonly origin: string;

  constructor(private readonly options: OllamaEmbedderOptions) {
    super();
    this.origin = new URL(options.baseUrl).origin;
    this.info = {
      provider: 'ollama',
      modelId: `ollama:${options.model}:${options.dimension}`,
      dimension: options.dimension,
      kind: 'semantic',
      description: `Ollama embeddings (${options.model}) at ${this.origin}`,
    };
    this.client = new OllamaEmbeddings({
      model: options.model,
      baseUrl: options.baseUrl,
      maxRetries: options.maxRetries ?? 1,
      onFailedAttempt: failFastOnClientErrors,
      // Each attempt is aborted at the deadline, so an abandoned request cannot hold the client's
      // one-at-a-time queue (maxConcurrency 1) and stall the calls after it.
      fetch: fetchWithDeadline(options.timeoutMs),
    });
  }

  async embed(texts: string[], _purpose: EmbeddingPurpose = 'document'): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const out: Float32Array[] = [];
    try {
      for (let i = 0; i < texts.length; i += this.options.batchSize) {
        const batch = texts.slice(i, i + this.options.batchSize);
        const rows = await this.client.embedDocuments(batch);
        out.push(...toUnitVectors('ollama', rows, this.options.dimension, batch.length));
      }
    } catch (e) {
      if (httpStatus(e) === 404) {
        const reason = e instanceof Error ? e.message : `model "${this.options.model}" not found`;
        throw new EmbedderFailedError(
          'ollama',
          `${reason} (run "ollama pull ${this.options.model}" on ${this.origin}, or change retrieval.embedder.ollama.model)`,
        );
      }
      throw providerError('ollama', e, { endpoint: this.origin, timeoutMs: this.options.timeoutMs });
    }
    this.warmed = true;
    return out;
  }
}
