/** Some models (e5) embed queries and passages differently. */
export type EmbeddingPurpose = 'document' | 'query';

export interface EmbedderInfo {
  provider: string;
  /** Stable id recorded per collection, e.g. `hashing:v1:384` or `openai:text-embedding-3-small`. */
  modelId: string;
  dimension: number;
  /** lexical: matches words (hashing); semantic: a neural model. */
  kind: 'lexical' | 'semantic';
  description: string;
}

export interface Embedder {
  readonly info: EmbedderInfo;
  /** One L2-normalized vector per text, in order. */
  embed(texts: string[], purpose: EmbeddingPurpose): Promise<Float32Array[]>;
  /** Loads or reaches the model; resolves when embed() can answer. Safe to call more than once. */
  warmUp(): Promise<void>;
  readonly ready: boolean;
  close?(): Promise<void>;
}
