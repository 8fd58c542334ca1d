import { ArgumentsHost, Logger } from '@nestjs/common';
import { DomainError } from './domain-error';
import { databaseProblem, ProblemDetailsFilter, problemFromDomainError } from './problem-details.filter';

describe('problemFromDomainError', () => {
  it('maps kinds to statuses and keeps extra details, which never override the core members', () => {
    const p = problemFromDomainError(new DomainError('GENERATION.LLM_FAILED', 'bad_gateway', 'provider failed', { status: 500, provider: 'openai', code: 'x' }));
    expect(p).toMatchObject({ status: 502, code: 'GENERATION.LLM_FAILED', detail: 'provider failed', provider: 'openai', title: 'Bad Gateway' });
    expect(problemFromDomainError(new DomainError('A.B', 'too_large', 'big')).status).toBe(413);
  });
});

describe('databaseProblem', () => {
  it('answers a statement cancelled by statement_timeout and a lost database with 503s that name no SQL', () => {
    const timeout = databaseProblem(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014', query: 'SELECT secret' }));
    expect(timeout).toMatchObject({ status: 503, code: 'DATABASE.TIMEOUT' });
    expect(JSON.stringify(timeout)).not.toMatch(/SELECT|secret/);
    expect(databaseProblem(new Error('Connection terminated unexpectedly'))).toMatchObject({ status: 503, code: 'DATABASE.UNAVAILABLE' });
    expect(databaseProblem(Object.assign(new Error('x'), { code: '57P01' }))).toMatchObject({ code: 'DATABASE.UNAVAILABLE' });
    expect(databaseProblem(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toMatchObject({ code: 'DATABASE.UNAVAILABLE' });
  });
  it('leaves other database errors to the generic 500: they are bugs', () => {
    expect(databaseProblem(Object.assign(new Error('syntax error'), { code: '42601' }))).toBeUndefined();
    expect(databaseProblem(new Error('something else'))).toBeUndefined();
  });
});

describe('ProblemDetailsFilter and a client that went away', () => {
  const host = (req: object, res: object) => ({ switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) }) as unknown as ArgumentsHost;
  const response = (over: object) => {
    const sent: unknown[] = [];
    const res = { headersSent: false, writableFinished: false, destroyed: false, setHeader: () => res, status: () => res, type: () => res, send: (b: unknown) => sent.push(b), end: () => undefined, ...over };
    return { res, sent };
  };

  it('logs an error that ends a request whose client closed its connection at debug, not error (issue 12), and answers nothing', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    try {
      const { res, sent } = response({ destroyed: true });
      new ProblemDetailsFilter().catch(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }), host({ destroyed: true, socket: { destroyed: true }, originalUrl: '/v1/ask' }, res));
      expect(error).not.toHaveBeenCalled();
      expect(debug).toHaveBeenCalledWith('client closed the connection before the answer (INTERNAL)');
      expect(sent).toEqual([]);
      // the same failure with the client still there is a logged 500 (a request whose body was read is destroyed: not a sign)
      const still = response({});
      new ProblemDetailsFilter().catch(new Error('boom'), host({ destroyed: true, socket: { destroyed: false }, originalUrl: '/v1/ask' }, still.res));
      expect(error).toHaveBeenCalledTimes(1);
      expect(JSON.parse(still.sent[0] as string)).toMatchObject({ status: 500, code: 'INTERNAL' });
    } finally {
      error.mockRestore();
      debug.mockRestore();
    }
  });
});
