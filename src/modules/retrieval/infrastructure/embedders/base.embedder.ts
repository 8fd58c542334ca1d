import { Embedder, EmbedderInfo, EmbeddingPurpose } from '../../application/ports/embedder.port';

/** What every adapter shares: `dimension` and `modelId` read from its `info`. */
export abstract class BaseEmbedder implements Embedder {
  abstract readonly info: EmbedderInfo;
  abstract readonly ready: boolean;

  get dimension(): number {
    return this.info.dimension;
  }

  get modelId(): string {
    return this.info.modelId;
  }

  abstract embed(texts: string[], purpose?: EmbeddingPurpose): Promise<Float32Array[]>;
  abstract warmUp(): Promise<void>;
}

/**
 * An embedder behind an HTTP API (OpenAI-compatible, Ollama): ready once one call succeeded, which
 * warmUp() makes with a one-word ping. Subclasses set `warmed` after every successful call.
 */
export abstract class RemoteEmbedder extends BaseEmbedder {
  protected warmed = false;
  readonly warmUpText = 'ping';

  get ready(): boolean {
    return this.warmed;
  }

  async warmUp(): Promise<void> {
    if (this.warmed) return;
    await this.embed([this.warmUpText], 'query');
  }
}
