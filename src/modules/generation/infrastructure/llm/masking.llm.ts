import { PiiDetector, Pseudonymizer } from '../../../../shared/privacy';
import {
  ChatMessage,
  GenerateOptions,
  Generation,
  LlmInfo,
  LlmProvider,
  StreamEvent,
} from '../../application/ports/llm-provider.port';

/**
 * privacy.maskExternal: an external provider (privacy.external.llm) never sees a personal identifier. Each
 * call masks the messages, tool-call arguments and grounding it sends (`[CPF_1]`, `[EMAIL_1]`: the same
 * value the same placeholder within the call), and restores the placeholders in what comes back: the
 * answer, each streamed delta (a placeholder cut across deltas is held back until complete) and the
 * arguments of the tools the model asks for, so tools run on the real values.
 */
export class MaskingLlm implements LlmProvider {
  constructor(
    private readonly inner: LlmProvider,
    private readonly detector: PiiDetector,
  ) {}

  get info(): LlmInfo {
    return this.inner.info;
  }

  async generate(messages: ChatMessage[], options: GenerateOptions = {}): Promise<Generation> {
    const p = new Pseudonymizer(this.detector);
    const generation = await this.inner.generate(maskMessages(p, messages), maskOptions(p, options));
    return restoreGeneration(p, generation);
  }

  async *stream(messages: ChatMessage[], options: GenerateOptions = {}): AsyncIterable<StreamEvent> {
    const p = new Pseudonymizer(this.detector);
    const restorer = p.streamRestorer();
    for await (const event of this.inner.stream(maskMessages(p, messages), maskOptions(p, options))) {
      if (event.type === 'delta') {
        const text = restorer.push(event.text);
        if (text) yield { type: 'delta', text };
      } else {
        const rest = restorer.flush();
        if (rest) yield { type: 'delta', text: rest };
        yield { type: 'done', generation: restoreGeneration(p, event.generation) };
      }
    }
  }

  probe(signal?: AbortSignal): Promise<void> {
    return this.inner.probe(signal);
  }
}

function maskMessages(p: Pseudonymizer, messages: ChatMessage[]): ChatMessage[] {
  return messages.map((m) => ({
    ...m,
    content: p.mask(m.content),
    ...(m.toolCalls ? { toolCalls: m.toolCalls.map((c) => ({ ...c, arguments: p.maskDeep(c.arguments) })) } : {}),
  }));
}

function maskOptions(p: Pseudonymizer, options: GenerateOptions): GenerateOptions {
  if (!options.grounding) return options;
  const g = options.grounding;
  return {
    ...options,
    grounding: { question: p.mask(g.question), passages: g.passages.map((x) => ({ ...x, text: p.mask(x.text), ...(x.title ? { title: p.mask(x.title) } : {}), ...(x.heading ? { heading: p.mask(x.heading) } : {}) })) },
  };
}

function restoreGeneration(p: Pseudonymizer, g: Generation): Generation {
  return {
    ...g,
    text: p.restore(g.text),
    ...(g.toolCalls ? { toolCalls: g.toolCalls.map((c) => ({ ...c, arguments: p.restoreDeep(c.arguments) })) } : {}),
  };
}
