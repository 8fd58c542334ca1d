import { DomainError } from './domain-error';
import { databaseProblem, problemFromDomainError } from './problem-details.filter';

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
