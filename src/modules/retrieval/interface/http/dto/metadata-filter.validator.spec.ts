import { metadataFilterProblem } from './metadata-filter.validator';

const limits = { maxKeys: 3, maxInValues: 5, maxParameters: 9 };

describe('metadataFilterProblem', () => {
  it('accepts filters within the limits', () => {
    expect(metadataFilterProblem({ team: 'x', year: { gte: 2020, lt: 2030 } }, limits)).toBeUndefined(); // 2 + 3 parameters
    expect(metadataFilterProblem({ id: { in: [1, 2, 3, 4] } }, limits)).toBeUndefined(); // 8 parameters
  });

  it('counts keys before anything else: 5,000 keys are refused by their number', () => {
    const huge = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    expect(metadataFilterProblem(huge, limits)).toBe('filters may name at most 3 metadata keys, not 5000 (retrieval.filters.maxKeys)');
  });

  it('limits the values of all "in" lists together, and the SQL parameters the filter binds', () => {
    expect(metadataFilterProblem({ a: { in: [1, 2, 3] }, b: { in: [4, 5, 6] } }, limits)).toMatch(/at most 5 values together, not 6/);
    expect(metadataFilterProblem({ a: { in: [1, 2, 3, 4, 5] } }, limits)).toMatch(/would take 10 SQL parameters, more than 9/);
  });

  it('keeps the grammar, naming the field it is given', () => {
    expect(metadataFilterProblem([], limits)).toMatch(/^filters map metadata keys/);
    expect(metadataFilterProblem({ a: { in: [] } }, limits, 'metadata')).toMatch(/^metadata map metadata keys/);
  });
});
