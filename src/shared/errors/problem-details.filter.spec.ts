import { DomainError } from './domain-error';
import { problemFromDomainError } from './problem-details.filter';

describe('problemFromDomainError', () => {
  it('maps kinds to statuses and keeps extra details, which never override the core members', () => {
    const p = problemFromDomainError(new DomainError('GENERATION.LLM_FAILED', 'bad_gateway', 'provider failed', { status: 500, provider: 'openai', code: 'x' }));
    expect(p).toMatchObject({ status: 502, code: 'GENERATION.LLM_FAILED', detail: 'provider failed', provider: 'openai', title: 'Bad Gateway' });
    expect(problemFromDomainError(new DomainError('A.B', 'too_large', 'big')).status).toBe(413);
  });
});
