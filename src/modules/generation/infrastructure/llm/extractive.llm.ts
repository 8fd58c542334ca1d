import { estimateTokens } from '../../../../shared/text/tokens';
import { ChatMessage, GenerateOptions, Generation, LlmInfo, LlmProvider, StreamEvent } from '../../application/ports/llm-provider.port';
import { LlmFailedError } from '../../domain/generation.errors';
import { ExtractiveOptions, selectSentences } from '../../domain/extractive';

/**
 * The offline default: no language model. It answers with the retrieved sentence (or two adjacent ones)
 * that answers the question (see domain/extractive.ts), followed by its citation. When no sentence covers
 * enough of the question it returns an empty answer, which the ask use case turns into the refusal.
 * Usage reports an estimate of the tokens it read (prompt) and wrote (answer): there is no tokenizer, and they cost nothing.
 */
export class ExtractiveLlm implements LlmProvider {
  readonly info: LlmInfo = {
    provider: 'extractive',
    model: 'extractive-v1',
    modelId: 'extractive:extractive-v1',
    kind: 'extractive',
    capabilities: { streaming: true, toolCalling: false },
    description:
      'No language model: answers with the retrieved sentence (or two adjacent ones; two of one passage that tie on a date, number, name or place) that answers the question, by question type, term coverage and proximity, cited [n]. Offline, deterministic.',
  };

  constructor(private readonly options: ExtractiveOptions) {}

  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<Generation> {
    if (!options.grounding) {
      throw new LlmFailedError('extractive', 'the extractive provider answers only from retrieved passages (no grounding given)');
    }
    const chosen = selectSentences(options.grounding.question, options.grounding.passages, this.options);
    const text = chosen.map((s) => `${s.text} [${s.n}]`).join(' ');
    return {
      text,
      finishReason: 'stop',
      usage: { promptTokens: estimateTokens(messages.map((m) => m.content).join('\n')), completionTokens: text ? estimateTokens(text) : 0 },
      model: this.info.modelId,
    };
  }

  async *stream(messages: ChatMessage[], options: GenerateOptions = {}): AsyncIterable<StreamEvent> {
    const generation = await this.generate(messages, options);
    const parts = generation.text.match(/\S+\s*/g) ?? []; // word by word, like a model's token stream
    for (const part of parts) yield { type: 'delta', text: part };
    yield { type: 'done', generation };
  }

  async probe(): Promise<void> {}
}
