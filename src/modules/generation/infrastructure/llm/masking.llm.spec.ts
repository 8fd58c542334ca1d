import { PiiDetector } from '../../../../shared/privacy';
import { ChatMessage, GenerateOptions, Generation, LlmProvider, StreamEvent } from '../../application/ports/llm-provider.port';
import { MaskingLlm } from './masking.llm';

/** A provider faked by hand: records what it was sent, answers with scripted deltas and tool calls. */
class RecordingLlm implements LlmProvider {
  readonly info = { provider: 'openai', model: 'm', modelId: 'openai:m', kind: 'llm' as const, capabilities: { streaming: true, toolCalling: true }, description: '' };
  sent: Array<{ messages: ChatMessage[]; options?: GenerateOptions }> = [];
  constructor(private readonly deltas: string[], private readonly toolArgs?: Record<string, unknown>) {}

  private generation(): Generation {
    return {
      text: this.deltas.join(''),
      finishReason: this.toolArgs ? 'tool_calls' : 'stop',
      usage: { promptTokens: 1, completionTokens: 1 },
      model: 'openai:m',
      ...(this.toolArgs ? { toolCalls: [{ id: 'c1', name: 'knowledge_base_search', arguments: this.toolArgs }] } : {}),
    };
  }

  async generate(messages: ChatMessage[], options?: GenerateOptions): Promise<Generation> {
    this.sent.push({ messages, options });
    return this.generation();
  }

  async *stream(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<StreamEvent> {
    this.sent.push({ messages, options });
    for (const text of this.deltas) yield { type: 'delta', text };
    yield { type: 'done', generation: this.generation() };
  }

  async probe(): Promise<void> {}
}

const detector = new PiiDetector();
const question: ChatMessage[] = [
  { role: 'system', content: 'Contexto: [1] Cliente Maria, CPF 529.982.247-25, maria@cliente.com.br' },
  { role: 'user', content: 'Qual o e-mail do CPF 52998224725?' },
];

describe('MaskingLlm', () => {
  it('sends placeholders (grounding included) and restores the answer and the tool arguments', async () => {
    const inner = new RecordingLlm(['É [EMAIL_1].'], { query: 'titular [CPF_1]' });
    const g = await new MaskingLlm(inner, detector).generate(question, { grounding: { question: 'CPF 529.982.247-25?', passages: [{ n: 1, text: 'maria@cliente.com.br' }] } });
    const sent = JSON.stringify(inner.sent);
    expect(sent).not.toMatch(/529\.982|52998224725|maria@/);
    expect(inner.sent[0].messages.map((m) => m.content)).toEqual(['Contexto: [1] Cliente Maria, CPF [CPF_1], [EMAIL_1]', 'Qual o e-mail do CPF [CPF_1]?']);
    expect(g.text).toBe('É maria@cliente.com.br.');
    expect(g.toolCalls?.[0].arguments).toEqual({ query: 'titular 529.982.247-25' });
  });

  it('restores a placeholder the stream cuts across deltas, and the final text', async () => {
    const inner = new RecordingLlm(['O e-mail é ', '[EMA', 'IL_', '1]', ', CPF [CPF_1', '].']);
    const events: StreamEvent[] = [];
    for await (const e of new MaskingLlm(inner, detector).stream(question)) events.push(e);
    const deltas = events.flatMap((e) => (e.type === 'delta' ? [e.text] : []));
    expect(deltas.join('')).toBe('O e-mail é maria@cliente.com.br, CPF 529.982.247-25.');
    expect(deltas.some((d) => d.includes('['))).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'done', generation: { text: 'O e-mail é maria@cliente.com.br, CPF 529.982.247-25.' } });
  });
});
