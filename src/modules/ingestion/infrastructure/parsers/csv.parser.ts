import { parse } from 'csv-parse/sync';
import { ParsedDocument, ParseOptions, RawDocument } from '../../application/ports/parser.port';
import { InvalidIngestionRequestError, UnreadableDocumentError } from '../../domain/ingestion.errors';
import { decodeText, stem } from './text-decoding';

export interface CsvDefaults {
  delimiter: string;
  textColumns: string[];
  titleColumn: string;
  idColumn: string;
  listColumns: string[];
  listSeparator: string;
}

const TITLE_CANDIDATES = ['title', 'name', 'titulo', 'título', 'nome'];
const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Each row is a document. Text columns are indexed (given, or auto: columns whose values average
 * over 40 characters); every other column becomes metadata, numbers as numbers and list columns as
 * arrays, so `filters` can match them.
 */
export function parseCsv(raw: RawDocument, defaults: CsvDefaults, options: ParseOptions['csv'] = {}): ParsedDocument[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(decodeText(raw.buffer, raw.filename), {
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      bom: true,
      trim: true,
      delimiter: defaults.delimiter,
      relax_quotes: true,
    });
  } catch (e) {
    throw new UnreadableDocumentError(raw.filename, `invalid CSV (${(e as Error).message})`);
  }
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]);
  const pick = (given: string[] | undefined, fallback: string[]) => (given && given.length ? given : fallback);
  const textColumns = pick(options.textColumns, defaults.textColumns);
  const resolvedText = textColumns.length ? textColumns : autoTextColumns(rows, columns);
  const listColumns = pick(options.listColumns, defaults.listColumns);
  for (const c of [...resolvedText, ...listColumns]) {
    if (!columns.includes(c)) throw new InvalidIngestionRequestError('csv', `column "${c}" is not in ${raw.filename} (columns: ${columns.join(', ')})`);
  }
  const idColumn = options.idColumn || defaults.idColumn || columns[0];
  const titleColumn =
    options.titleColumn || defaults.titleColumn || columns.find((c) => TITLE_CANDIDATES.includes(c.toLowerCase())) || idColumn;
  for (const [name, c] of [['id column', idColumn], ['title column', titleColumn]]) {
    if (!columns.includes(c)) throw new InvalidIngestionRequestError('csv', `${name} "${c}" is not in ${raw.filename}`);
  }
  const base = stem(raw.filename);
  return rows.map((row, i) => {
    const metadata: Record<string, unknown> = {};
    for (const c of columns) {
      if (resolvedText.includes(c) && c !== titleColumn) continue;
      const v = row[c] ?? '';
      if (v === '') continue;
      metadata[c] = listColumns.includes(c)
        ? v.split(defaults.listSeparator).map((s) => s.trim()).filter(Boolean)
        : NUMBER.test(v) && v.length < 16
          ? Number(v)
          : v;
    }
    const id = row[idColumn] || String(i + 1);
    return {
      title: row[titleColumn] || `${base} #${id}`,
      text: resolvedText.map((c) => row[c]).filter(Boolean).join('\n\n'),
      mimeType: 'text/csv',
      metadata: { ...metadata, row: i + 1 },
      sourceSuffix: `#${encodeURIComponent(id)}`,
    };
  });
}

function autoTextColumns(rows: Record<string, string>[], columns: string[]): string[] {
  const sample = rows.slice(0, 200);
  const avg = (c: string) => sample.reduce((s, r) => s + (r[c]?.length ?? 0), 0) / sample.length;
  const long = columns.filter((c) => avg(c) > 40 && !sample.every((r) => NUMBER.test(r[c] ?? '')));
  if (long.length) return long;
  // No long column: index every non-numeric column.
  return columns.filter((c) => !sample.every((r) => NUMBER.test(r[c] ?? '') || r[c] === ''));
}

