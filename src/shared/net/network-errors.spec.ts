import { networkFailure } from './network-errors';

describe('networkFailure', () => {
  it('finds the errno in the cause chain or aggregate members, and tells connect from drop', () => {
    const refused = new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]) });
    expect(networkFailure(refused)).toEqual({ code: 'ECONNREFUSED', kind: 'connect' });
    expect(networkFailure(new Error('y', { cause: Object.assign(new Error('z'), { code: 'ECONNRESET' }) }))).toEqual({ code: 'ECONNRESET', kind: 'drop' });
    expect(networkFailure(new Error('plain'))).toBeUndefined();
  });
});
