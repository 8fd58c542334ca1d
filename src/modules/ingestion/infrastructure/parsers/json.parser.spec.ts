import { ParseLimitExceededError } from '../../domain/ingestion.errors';
import { parseJson } from './json.parser';

const json = (value: unknown, filename = 'registros.json') => ({ buffer: Buffer.from(JSON.stringify(value), 'utf8'), filename });

describe('parseJson budgets (ingestion.limits.maxRecords)', () => {
  it('builds one document per record up to the limit', () => {
    const records = Array.from({ length: 3 }, (_, i) => ({ title: `R${i}`, text: `texto ${i}` }));
    expect(parseJson(json(records), { maxRecords: 3 }).map((d) => d.title)).toEqual(['R0', 'R1', 'R2']);
  });

  it('refuses a top-level array past the limit before building any document, whatever its records hold', () => {
    for (const records of [Array.from({ length: 4 }, (_, i) => ({ text: `t${i}` })), [1, 2, 3, 4], Array.from({ length: 4 }, (_, i) => ({ id: i }))]) {
      let error: unknown;
      try {
        parseJson(json(records), { maxRecords: 3 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ParseLimitExceededError);
      expect((error as ParseLimitExceededError).code).toBe('INGESTION.TOO_MANY_RECORDS');
      expect((error as ParseLimitExceededError).details).toMatchObject({ limit: 'ingestion.limits.maxRecords', max: 3, found: 4 });
    }
  });
});
