import { EmbeddingPurpose } from './embedder.port';

/** One embed() call as the metrics module records it (issue 10: every embedding call is a usage row). */
export interface EmbeddingCall {
  /** `provider:model` without the dimension suffix of the embedder's modelId (what config/pricing.yaml names). */
  modelId: string;
  /** `warm_up`: the request a remote embedder makes to warm up (at boot, on an admin swap), billed like any other. */
  purpose: EmbeddingPurpose | 'warm_up';
  /** Estimated (about 4 characters a token): the Embedder port carries no provider-reported usage. */
  tokens: number;
  ms: number;
  /** The HTTP request the call served, when it served one (a job or a re-index has none). */
  requestId?: string;
  /** The user the call served: the request's authenticated user, or the user whose queued job it runs in. */
  userId?: string;
  /** The failed call's error code. */
  error?: string;
}

/** Where embedding calls are reported; never throws and never makes a caller wait. */
export interface EmbeddingUsageSink {
  record(call: EmbeddingCall): void;
}

export const EMBEDDING_USAGE = Symbol('EMBEDDING_USAGE');
