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
