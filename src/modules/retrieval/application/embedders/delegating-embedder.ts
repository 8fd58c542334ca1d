import { Embedder, EmbedderInfo, EmbeddingPurpose } from '../ports/embedder.port';

/** An embedder that wraps another (masking, metering): everything but what the subclass changes goes to `inner`. */
export abstract class DelegatingEmbedder implements Embedder {
  constructor(protected readonly inner: Embedder) {}

  get info(): EmbedderInfo {
    return this.inner.info;
  }

  get dimension(): number {
    return this.inner.dimension;
  }

  get modelId(): string {
    return this.inner.modelId;
  }

  get ready(): boolean {
    return this.inner.ready;
  }

  get warmUpText(): string | undefined {
    return this.inner.warmUpText;
  }

  abstract embed(texts: string[], purpose?: EmbeddingPurpose): Promise<Float32Array[]>;

  warmUp(): Promise<void> {
    return this.inner.warmUp();
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
