import { ParseLimitExceededError, UnreadableDocumentError } from '../../domain/ingestion.errors';
import { MAX_JSON_DEPTH, parseJson } from './json.parser';

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

describe('parseJson nesting', () => {
  const raw = (text: string) => ({ buffer: Buffer.from(text, 'utf8'), filename: 'fundo.json' });

  it('refuses a file nested deeper than the limit as unreadable (50,000 levels overflowed the stack: a 500)', () => {
    const deep = [
      '['.repeat(200_000) + ']'.repeat(200_000),
      '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
      JSON.stringify({ text: 'corpo', metadata: JSON.parse('{"a":'.repeat(MAX_JSON_DEPTH) + '1' + '}'.repeat(MAX_JSON_DEPTH)) }),
    ];
    for (const text of deep) {
      let error: unknown;
      try {
        parseJson(raw(text));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnreadableDocumentError);
      expect((error as UnreadableDocumentError).code).toBe('INGESTION.UNREADABLE_DOCUMENT');
    }
  });

  it('reads a file nested up to the limit', () => {
    const text = '{"a":'.repeat(MAX_JSON_DEPTH - 1) + '"fundo"' + '}'.repeat(MAX_JSON_DEPTH - 1);
    const [doc] = parseJson(raw(text));
    expect(doc.text).toBe(`${Array(MAX_JSON_DEPTH - 1).fill('a').join('.')}: fundo`);
  });
});

describe('parseJson record metadata', () => {
  const raw = (text: string) => ({ buffer: Buffer.from(text, 'utf8'), filename: 'registros.json' });

  it('refuses a record whose fields or metadata hold a key named __proto__ (the metadata field\'s rule), and keeps the others', () => {
    for (const text of ['[{"text":"a","__proto__":"x"}]', '{"text":"a","metadata":{"b":{"__proto__":{"isAdmin":true}}}}']) {
      expect(() => parseJson(raw(text), { maxRecords: 10 })).toThrow(UnreadableDocumentError);
    }
    // a nested object that is not metadata is text: "extra.__proto__.y: 1" is read as written
    const [doc] = parseJson(raw('{"text":"a","constructor":"c","extra":{"__proto__":{"y":1}}}'), { maxRecords: 10 });
    expect(doc.metadata).toEqual({ constructor: 'c' });
  });
});
