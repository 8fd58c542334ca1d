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
  /** Length of every vector embed() returns (= info.dimension). */
  readonly dimension: number;
  /** Stable id recorded per collection (= info.modelId). */
  readonly modelId: string;
  /** One L2-normalized vector per text, in order. `purpose` defaults to 'document'. */
  embed(texts: string[], purpose?: EmbeddingPurpose): Promise<Float32Array[]>;
  /** Loads or reaches the model; resolves when embed() can answer. Safe to call more than once. */
  warmUp(): Promise<void>;
  readonly ready: boolean;
  /**
   * The text warmUp() embeds with a request of its own while not ready (a remote embedder's ping, which its provider
   * bills); absent when warming up calls no API (a local model, hashing). The usage meter records that call.
   */
  readonly warmUpText?: string;
  close?(): Promise<void>;
}

/** Which embedder to build at runtime: a provider, optionally a model and provider options, over the configured defaults. */
export interface EmbedderSpec {
  provider: string;
  model?: string;
  options?: Record<string, unknown>;
}

/** Builds (does not warm up) an embedder; the same factory as at boot. Throws InvalidEmbedderSpecError for a bad spec. */
export type EmbedderFactory = (spec?: EmbedderSpec) => Promise<Embedder>;
