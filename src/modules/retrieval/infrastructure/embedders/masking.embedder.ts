import { PiiDetector, Pseudonymizer } from '../../../../shared/privacy';
import { DelegatingEmbedder } from '../../application/embedders/delegating-embedder';
import { Embedder, EmbeddingPurpose } from '../../application/ports/embedder.port';

/**
 * privacy.maskExternal: an external embedder (privacy.external.embedder) receives each batch with personal
 * identifiers replaced by placeholders (`[CPF_1]`, the same value the same placeholder within the batch).
 * Nothing comes back to restore: vectors only. The stored chunk text keeps the originals.
 */
export class MaskingEmbedder extends DelegatingEmbedder {
  constructor(
    inner: Embedder,
    private readonly detector: PiiDetector,
  ) {
    super(inner);
  }

  embed(texts: string[], purpose?: EmbeddingPurpose): Promise<Float32Array[]> {
    const p = new Pseudonymizer(this.detector);
    return this.inner.embed(
      texts.map((t) => p.mask(t)),
      purpose,
    );
  }
}
