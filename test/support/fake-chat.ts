import { ServerResponse } from 'node:http';
import { Fault } from './fake-http.server';

/**
 * What the chat fakes (fake-openai.server.ts for OpenAI and Groq, fake-ollama.server.ts) share: a queue of
 * scripted replies, word-sized streaming pieces, deterministic token counts, and the streaming faults.
 */

export interface ScriptedReply {
  content: string;
  /**
   * The model asks for tools instead of answering (OpenAI `tool_calls`, finish reason "tool_calls"); string
   * arguments are sent as they are (a small model's malformed JSON).
   */
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> | string }>;
  /** Default: "stop" (or "length" when the request's token limit cuts the reply). */
  finishReason?: string;
  /** Streamed: after `afterPieces` pieces, the rest waits for `until` (a model still generating, as long as a test needs). */
  hold?: { afterPieces: number; until: Promise<unknown> };
}

export const DEFAULT_REPLY = 'Olá! Esta é a resposta padrão do servidor de teste.';

export class ChatScript {
  private queue: ScriptedReply[] = [];

  /** Queues replies for the next chat requests, in order; when the queue is empty DEFAULT_REPLY answers. */
  reply(...replies: (string | ScriptedReply)[]): void {
    this.queue.push(...replies.map((r) => (typeof r === 'string' ? { content: r } : r)));
  }

  /** The next reply, cut to `maxTokens` pieces when given (finish reason "length"). */
  next(maxTokens?: number): { pieces: string[]; finishReason: string; content: string; toolCalls?: ScriptedReply['toolCalls']; hold?: ScriptedReply['hold'] } {
    const reply = this.queue.shift() ?? { content: DEFAULT_REPLY };
    if (reply.toolCalls?.length) return { pieces: streamPieces(reply.content), finishReason: 'tool_calls', content: reply.content, toolCalls: reply.toolCalls };
    let pieces = streamPieces(reply.content);
    let finishReason = reply.finishReason ?? 'stop';
    if (maxTokens !== undefined && maxTokens > 0 && pieces.length > maxTokens) {
      pieces = pieces.slice(0, maxTokens);
      finishReason = 'length';
    }
    return { pieces, finishReason, content: pieces.join(''), hold: reply.hold };
  }

  reset(): void {
    this.queue = [];
  }
}

/** One piece per word, each keeping the whitespace before it ("Olá", " mundo", "!"): never cumulative. */
export function streamPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Deterministic "tokens": words in the prompt's messages plus 3 per message, like a chat template. */
export function promptTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  return messages.reduce<number>((n, m: unknown) => {
    const content = typeof m === 'object' && m !== null ? (m as { content?: unknown }).content : undefined;
    return n + 3 + (typeof content === 'string' ? content.split(/\s+/).filter(Boolean).length : 0);
  }, 0);
}

export type StreamFault = Extract<Fault, { afterDeltas: number }>;

export function streamFault(fault: Fault | undefined): StreamFault | undefined {
  return fault && 'afterDeltas' in fault ? fault : undefined;
}

/**
 * Writes a streamed answer: `head` (role chunk), one `delta(piece)` per piece, then `tail` lines; a
 * stream fault replaces everything after `afterDeltas` pieces. Lines are written as they are produced,
 * a few milliseconds apart, like a model generating.
 */
export async function writeStream(
  res: ServerResponse,
  opts: {
    pieces: string[];
    head: string[];
    delta: (piece: string) => string;
    tail: string[];
    fault?: StreamFault;
    hold?: ScriptedReply['hold'];
    errorLine: (message: string) => string;
    malformedLine: string;
  },
): Promise<void> {
  const { fault } = opts;
  const write = (line: string) => {
    if (!res.destroyed) res.write(line);
  };
  for (const line of opts.head) write(line);
  for (let i = 0; i < opts.pieces.length; i++) {
    if (fault && i === fault.afterDeltas) break;
    if (opts.hold && i === opts.hold.afterPieces) await opts.hold.until;
    write(opts.delta(opts.pieces[i]));
    await new Promise((r) => setTimeout(r, 2));
  }
  if (fault) {
    switch (fault.type) {
      case 'stream-stall':
        return; // headers and the first pieces sent; nothing more, connection kept open
      case 'stream-drop':
        res.socket?.destroy();
        return;
      case 'stream-error':
        write(opts.errorLine(fault.message ?? 'The server had an error while processing your request.'));
        res.end();
        return;
      case 'stream-malformed':
        write(opts.malformedLine);
        res.end();
        return;
    }
  }
  for (const line of opts.tail) write(line);
  res.end();
}
