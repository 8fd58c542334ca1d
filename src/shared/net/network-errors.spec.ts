import { networkFailure } from './network-errors';

describe('networkFailure', () => {
  it('finds the errno in the cause chain or aggregate members, and tells connect from drop', () => {
    const refused = new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]) });
    expect(networkFailure(refused)).toEqual({ code: 'ECONNREFUSED', kind: 'connect' });
    expect(networkFailure(new Error('y', { cause: Object.assign(new Error('z'), { code: 'ECONNRESET' }) }))).toEqual({ code: 'ECONNRESET', kind: 'drop' });
    expect(networkFailure(new Error('plain'))).toBeUndefined();
  });

  it('reads a port fetch refuses to use (http://host:9) as a connect failure', async () => {
    const e = await fetch('http://127.0.0.1:9/v1/models').catch((err: unknown) => err);
    expect(networkFailure(e)).toEqual({ code: 'BAD_PORT', kind: 'connect' });
  });
});
