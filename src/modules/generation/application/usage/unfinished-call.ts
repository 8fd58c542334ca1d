import { estimateTokens } from '../../../../shared/text/tokens';
import type { ChatMessage, LlmProvider } from '../ports/llm-provider.port';

/** The error code of a model call the client cut (it closed the request while the provider was answering). */
export const CLIENT_CLOSED = 'CLIENT_CLOSED';

/** A model call that did not finish: failed, or cut because the client went away. */
export interface UnfinishedCall {
  model: string;
  promptTokens: number;
  completionTokens: number;
  ms: number;
  /** The failure's error code, or CLIENT_CLOSED. */
  error: string;
}

/**
 * The usage of a model call that did not finish. A failed call has 0 tokens and its error code. A call the client
 * cut (`signal` aborted) reached the provider, which bills the prompt and what it generated until then: the prompt
 * and the text streamed so far are estimated (estimateTokens), the offline answerers cost nothing.
 */
export function unfinishedCall(llm: LlmProvider, messages: ChatMessage[], streamed: string, ms: number, error: unknown, signal: AbortSignal | undefined): UnfinishedCall {
  if (signal?.aborted) {
    const billed = llm.info.kind === 'llm';
    return {
      model: llm.info.modelId,
      promptTokens: billed ? messages.reduce((n, m) => n + estimateTokens(m.content), 0) : 0,
      completionTokens: billed && streamed ? estimateTokens(streamed) : 0,
      ms,
      error: CLIENT_CLOSED,
    };
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  return { model: llm.info.modelId, promptTokens: 0, completionTokens: 0, ms, error: typeof code === 'string' ? code : (error as Error | undefined)?.name || 'Error' };
}
