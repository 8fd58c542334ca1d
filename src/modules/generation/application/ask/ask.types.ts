import type { CutReason } from '../ports/llm-provider.port';
import type { UnfinishedCall } from '../usage/unfinished-call';
import type { MetadataFilter } from '../../../retrieval';

export interface AskCommand {
  question: string;
  collection: string;
  topK?: number;
  filters?: MetadataFilter;
  signal?: AbortSignal;
  /** Stored on the usage row of the generation. */
  userId?: string;
  requestId?: string;
  /** false: the caller records the generation itself (the chat turn does, in its transaction). Default true. */
  recordUsage?: boolean;
  /** With recordUsage false: the model call that failed or that the client cut, for the caller to record. */
  onUnfinishedCall?: (call: UnfinishedCall) => void;
}

export interface AskTimings {
  embed_ms: number;
  search_ms: number;
  generate_ms: number;
  total_ms: number;
}

/** A verified citation as the API returns it. */
export interface Citation {
  n: number;
  document_id: string;
  title: string;
  chunk_id: string;
  quote: string;
  score: number;
  support: number;
}

/** Whether an answer came from the response cache: an exact (normalized) question, or a close one (semantic). */
export type CacheOutcome = 'hit' | 'miss' | 'semantic';

export interface AskResult {
  answer: string;
  citations: Citation[];
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  timings: AskTimings;
  grounded: boolean;
  /** Every [n] the model wrote was checked; true when none had to be dropped. */
  citations_verified: boolean;
  citations_dropped: number;
  /** Why the answer is the refusal: weak retrieval evidence, or the model declined / gave no answer. */
  abstained?: 'no_evidence' | 'model_declined';
  evidence: number;
  /** The model stopped before the end of its answer (its token limit, or its content filter): the answer is cut. Absent when it finished. */
  truncated?: CutReason;
  /** Set by the response cache (`/v1/ask`); absent where the pipeline runs uncached (chat). */
  cache?: CacheOutcome;
}

export type AskEvent =
  | { type: 'token'; text: string }
  | { type: 'citation'; citation: Citation }
  | { type: 'done'; result: AskResult };
