import { PiiDetector, Pseudonymizer } from '../../../../shared/privacy';
import { Embedder, EmbedderInfo, EmbeddingPurpose } from '../../application/ports/embedder.port';

/**
 * privacy.maskExternal: an external embedder (privacy.external.embedder) receives each batch with personal
 * identifiers replaced by placeholders (`[CPF_1]`, the same value the same placeholder within the batch).
 * Nothing comes back to restore: vectors only. The stored chunk text keeps the originals.
 */
export class MaskingEmbedder implements Embedder {
  constructor(
    private readonly inner: Embedder,
    private readonly detector: PiiDetector,
  ) {}

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

  embed(texts: string[], purpose?: EmbeddingPurpose): Promise<Float32Array[]> {
    const p = new Pseudonymizer(this.detector);
    return this.inner.embed(
      texts.map((t) => p.mask(t)),
      purpose,
    );
  }

  warmUp(): Promise<void> {
    return this.inner.warmUp();
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
