import type { Request, Response } from 'express';
import { sendSse } from './sse';

describe('sendSse', () => {
  async function streamFailingWith(error: Error): Promise<string> {
    const written: string[] = [];
    const res = { status: () => res, setHeader: () => undefined, flushHeaders: () => undefined, write: (s: string) => written.push(s), end: () => undefined } as unknown as Response;
    async function* events() {
      yield { text: 'oi' };
      throw error;
    }
    const logger = { error: () => undefined, debug: () => undefined, log: () => undefined, warn: () => undefined };
    await sendSse({ id: 'r1' } as unknown as Request, res, events(), (e) => ({ event: 'token', data: e }), { signal: new AbortController().signal, logger, what: 'chat' });
    return written.join('');
  }

  it('sends a database out of connections as the 503 DATABASE.UNAVAILABLE the HTTP filter answers, not a 500', async () => {
    const body = await streamFailingWith(new Error('timeout exceeded when trying to connect'));
    expect(body).toMatch(/^event: token\n/);
    expect(body).toMatch(/event: error\ndata: \{[^\n]*"status":503[^\n]*"code":"DATABASE.UNAVAILABLE"/);
    expect(await streamFailingWith(new Error('boom'))).toMatch(/event: error\ndata: \{[^\n]*"status":500[^\n]*"code":"INTERNAL"/);
  });
});
