import { DomainError } from '../errors/domain-error';
import { jsonInputProblem } from './json-input.guard';

const limits = { maxDepth: 4, maxKeys: 10 };
const nested = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

describe('jsonInputProblem', () => {
  it('accepts values within the limits, paired surrogates (emoji) included', () => {
    expect(jsonInputProblem({ title: 'Férias 🏖️', tags: ['a', 'b'], meta: { year: 2026, deep: { x: [1] } } }, limits)).toBeUndefined();
    expect(jsonInputProblem(nested(4), limits)).toBeUndefined();
  });

  it('refuses a value nested deeper than maxDepth, 100,000 levels without overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    const p = jsonInputProblem(deep, limits);
    expect(p).toBeInstanceOf(DomainError);
    expect(p).toMatchObject({ code: 'REQUEST.JSON_TOO_DEEP', kind: 'invalid' });
    expect(jsonInputProblem(nested(5), limits)?.code).toBe('REQUEST.JSON_TOO_DEEP');
  });

  it('refuses more than maxKeys object members, counted over the whole value', () => {
    expect(jsonInputProblem({ a: { b: 1, c: 2, d: 3 }, e: { f: 1, g: 2, h: 3, i: 4, j: 5 } }, limits)).toBeUndefined(); // 10
    expect(jsonInputProblem({ a: { b: 1, c: 2, d: 3 }, e: { f: 1, g: 2, h: 3, i: 4, j: 5, k: 6 } }, limits)).toMatchObject({
      code: 'REQUEST.JSON_TOO_MANY_KEYS',
      kind: 'too_large',
    });
  });

  it('refuses a lone surrogate in a string or a key, naming the field', () => {
    expect(jsonInputProblem({ filters: { team: 'a\ud800b' } }, limits)?.details.errors).toEqual([{ field: 'filters.team', message: expect.stringMatching(/lone UTF-16 surrogate/) }]);
    expect(jsonInputProblem({ tags: ['ok', '\udfff'] }, limits)?.details.errors?.[0].field).toBe('tags[1]');
    expect(jsonInputProblem({ metadata: { '\ud83d': 1 } }, limits)).toMatchObject({ code: 'REQUEST.INVALID_TEXT', details: { errors: [{ field: 'metadata' }] } });
    expect(jsonInputProblem({ team: '\ud800' }, limits, 'metadata')?.details.errors?.[0].field).toBe('metadata.team');
    expect(jsonInputProblem('\ud800', limits, 'q')?.details.errors?.[0].field).toBe('q');
  });
});
