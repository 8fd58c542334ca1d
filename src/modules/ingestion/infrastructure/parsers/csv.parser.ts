import { parse } from 'csv-parse/sync';
import { PROTO_KEY } from '../../../../shared/errors/proto-key';
import { ParsedDocument, ParseOptions, RawDocument } from '../../application/ports/parser.port';
import { InvalidIngestionRequestError, ParseLimitExceededError, UnreadableDocumentError } from '../../domain/ingestion.errors';
import { recordLine } from './record-line';
import { decodeText, stem } from './text-decoding';
import { MAX_INFERRED_TITLE_CHARS } from './title';

export interface CsvDefaults {
  /** A single character, or `auto`: the most frequent of , ; tab | in the header line. */
  delimiter: string;
  textColumns: string[];
  titleColumn: string;
  idColumn: string;
  listColumns: string[];
  /** With no list columns given, split columns that look like tag lists (see detectListColumns). */
  detectListColumns: boolean;
  listSeparator: string;
}

export interface CsvLimits {
  /** Header columns (ingestion.limits.maxColumns), counted before any row is parsed. */
  maxColumns: number;
  /** Rows (ingestion.limits.maxRecords): parsing stops at the first row past it. */
  maxRecords: number;
}

/** Column names that announce a title, in order of preference. */
const TITLE_NAMES = ['title', 'titulo', 'título', 'name', 'nome', 'question', 'pergunta', 'subject', 'assunto', 'headline', 'label'];
const NUMBER = /^-?\d+(\.\d+)?$/;
/** 8,78 or 1.234,56: a decimal comma and dots grouping thousands, as spreadsheets write numbers in pt-BR. */
const PT_BR_NUMBER = /^-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$/;
const DELIMITER_CANDIDATES = [',', ';', '\t', '|'];

/**
 * Each row is a document. Text columns are indexed (given, or auto: columns whose values average
 * over 40 characters), after a "campo: valor; ..." line of the row's other fields; every other column also becomes metadata, numbers as numbers (8.78, or 8,78 when
 * the delimiter is not a comma) and list columns (given, or detected) as arrays, so `filters` can
 * match them. The delimiter is given or sniffed from the header line. The title column is given or detected
 * (see detectTitleColumn); rows without one are titled "<file name> #<row number>", never by a bare id.
 */
export function parseCsv(raw: RawDocument, defaults: CsvDefaults, options: ParseOptions['csv'] = {}, limits?: CsvLimits): ParsedDocument[] {
  let rows: Record<string, string>[];
  const text = decodeText(raw.buffer, raw.filename);
  const delimiter = defaults.delimiter === 'auto' ? sniffDelimiter(text) : defaults.delimiter;
  if (limits) {
    const width = headerColumnCount(text, delimiter);
    if (width > limits.maxColumns) throw new ParseLimitExceededError(raw.filename, 'maxColumns', limits.maxColumns, width);
  }
  try {
    rows = parse(text, {
      ...(limits ? { to: limits.maxRecords + 1 } : {}),
      columns: (header: string[]) => columnNames(header),
      skip_empty_lines: true,
      bom: true,
      trim: true,
      delimiter,
      relax_quotes: true,
    });
  } catch (e) {
    throw new UnreadableDocumentError(raw.filename, `invalid CSV (${(e as Error).message})`);
  }
  if (limits && rows.length > limits.maxRecords) throw new ParseLimitExceededError(raw.filename, 'maxRecords', limits.maxRecords);
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]);
  const pick = (given: string[] | undefined, fallback: string[]) => (given && given.length ? given : fallback);
  const givenText = pick(options.textColumns, defaults.textColumns);
  const givenLists = pick(options.listColumns, defaults.listColumns);
  for (const c of [...givenText, ...givenLists]) {
    if (!columns.includes(c)) throw new InvalidIngestionRequestError('csv', `column "${clip(c)}" is not in ${raw.filename} (${someColumns(columns)})`);
  }
  const explicitId = options.idColumn || defaults.idColumn;
  const idColumn = explicitId || columns[0];
  const explicitTitle = options.titleColumn || defaults.titleColumn;
  for (const [name, c] of [['id column', idColumn], ['title column', explicitTitle]]) {
    if (c && !columns.includes(c)) throw new InvalidIngestionRequestError('csv', `${name} "${clip(c)}" is not in ${raw.filename} (${someColumns(columns)})`);
  }
  // A ';' file is how spreadsheets export in pt-BR, where "2.500" is two thousand five hundred.
  const ptBrNumbers = delimiter === ';';
  const resolvedText = givenText.length ? givenText : autoTextColumns(rows, columns, ptBrNumbers);
  // (with no long column, the columns of words are what the row says: the only one is its text, not its title)
  const wordy = resolvedText.length ? resolvedText : columns.filter((c) => !rows.slice(0, 200).every((r) => toNumber(r[c] ?? '', ptBrNumbers) !== undefined || r[c] === ''));
  const titleColumn =
    explicitTitle || detectTitleColumn(rows, columns.filter((c) => c !== explicitId), wordy);
  // A detected list column may also be an auto text column (its words help search); it is metadata too.
  const listColumns =
    givenLists.length || !defaults.detectListColumns
      ? givenLists
      : detectListColumns(rows, columns.filter((c) => !givenText.includes(c) && c !== idColumn && c !== titleColumn), defaults.listSeparator);
  // Each row's source id is <file>#<id>: two rows with one id would replace each other. A chosen id column
  // must be unique; a guessed one (the first column) that is not falls back to row numbers.
  const duplicate = firstDuplicate(rows.map((r) => r[idColumn] ?? ''));
  if (duplicate && explicitId) {
    throw new InvalidIngestionRequestError(
      'csv',
      `id column "${idColumn}" repeats "${duplicate.value}" (rows ${duplicate.rows.join(' and ')}) in ${raw.filename}: choose a column with one value per row`,
    );
  }
  const rowId = (row: Record<string, string>, i: number) => (duplicate ? `row-${i + 1}` : row[idColumn] || String(i + 1));
  const base = stem(raw.filename);
  return rows.map((row, i) => {
    const metadata: Record<string, unknown> = {};
    for (const c of columns) {
      if (resolvedText.includes(c) && c !== titleColumn && !listColumns.includes(c)) continue;
      const v = row[c] ?? '';
      if (v === '') continue;
      metadata[c] = listColumns.includes(c)
        ? splitList(v, defaults.listSeparator)
        : toNumber(v, ptBrNumbers) ?? v;
    }
    const id = rowId(row, i);
    // the row's other fields lead its text as one "campo: valor; ..." line, so a price, a code or a date is
    // searchable and can be quoted ("preco: 549,00; unidade: usuário/mês"). A title that is a question (a FAQ's
    // "pergunta") is left out: it stays the document's title, searched and cited with every chunk, but in the line it
    // was quoted as the answer to itself.
    const asks = titleColumn !== undefined && /\?\s*$/.test(row[titleColumn] ?? '');
    const fields = recordLine(Object.fromEntries(columns.filter((c) => !resolvedText.includes(c) && !(asks && c === titleColumn)).map((c) => [c, row[c]])));
    return {
      title: (titleColumn && row[titleColumn]) || `${base} #${i + 1}`,
      text: [fields, ...resolvedText.map((c) => row[c])].filter(Boolean).join('\n\n'),
      mimeType: 'text/csv',
      metadata: { ...metadata, row: i + 1 },
      sourceSuffix: `#${encodeURIComponent(id)}`,
    };
  });
}

/**
 * The header's names, trimmed, one per column: a repeated name gets `_2`, `_3`… (`obs, obs` -> `obs`, `obs_2`) and an
 * empty one `coluna_<position>`, never a name another column of the header has. csv-parse keys a row by name, so a
 * repeat silently took the place of the earlier column's value (from its text, its metadata and its id).
 * `__proto__` is taken from the start, as a repeat is (`__proto___2`): assigned as a key it set the row's and the
 * metadata's prototype, and the column vanished; kept under its own name it would be the key every JSON route refuses.
 */
export function columnNames(header: string[]): string[] {
  const names = header.map((h) => (typeof h === 'string' ? h.trim() : ''));
  const taken = new Set(names);
  const used = new Set<string>([PROTO_KEY]);
  return names.map((name, i) => {
    let unique = name || `coluna_${i + 1}`;
    if (used.has(unique) || (!name && taken.has(unique))) {
      const stemName = unique;
      for (let n = 2; used.has(unique) || taken.has(unique); n++) unique = `${stemName}_${n}`;
    }
    used.add(unique);
    return unique;
  });
}

/** An identifier rather than words: a number, a UUID or hex digest, a URL or e-mail, or one token with a digit ("SKU-0042"). */
const ID_LIKE = [
  /^[-+]?\d+([.,]\d+)*$/,
  /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i,
  /^[0-9a-f]{16,}$/i,
  /^[a-z][a-z0-9+.-]*:\/\//i,
  /^[^\s@]+@[^\s@]+$/,
  /^(?=\S*\d)[\p{L}\d_.:#/-]+$/u,
];
const isIdLike = (v: string) => ID_LIKE.some((re) => re.test(v));
const AMOUNT = /^(?:R\$|US\$|€|£|\$)?\s*[-+]?\d[\d.,]*\s*(?:%|reais|euros|dólares)?$/i;

/**
 * The column that names each row, when none is configured: in the first 500 rows, a column of short text (nine in ten
 * values filled, nine in ten with a letter, nine in ten at most 150 characters), mostly unique (at least 80% distinct
 * values for a column named like a title — title, titulo, name, nome, question, pergunta, ... —, 90% for others), never
 * an identifier column (mostly numbers, UUIDs, codes, URLs), and not the only text column (its title would repeat its
 * text). Named columns win in the order of TITLE_NAMES, then the leftmost that qualifies; undefined when none does.
 */
export function detectTitleColumn(rows: Record<string, string>[], columns: string[], textColumns: string[]): string | undefined {
  const sample = rows.slice(0, 500);
  const qualifies = (c: string, named: boolean): boolean => {
    const values = sample.map((r) => (r[c] ?? '').trim()).filter((v) => v !== '');
    if (values.length === 0 || values.length < sample.length * 0.9) return false;
    const most = (n: number) => n >= values.length * 0.9;
    if (!most(values.filter((v) => /\p{L}/u.test(v)).length)) return false;
    if (!most(values.filter((v) => v.length <= MAX_INFERRED_TITLE_CHARS + 30).length)) return false;
    if (values.filter(isIdLike).length > values.length * 0.5) return false;
    // a price or an amount ("R$ 95,00", "US$ 12", "15%") names no row
    if (values.filter((v) => AMOUNT.test(v)).length > values.length * 0.5) return false;
    if (new Set(values).size < values.length * (named ? 0.8 : 0.9)) return false;
    return named || !(textColumns.length === 1 && textColumns[0] === c);
  };
  const byName = (name: string) => columns.find((c) => c.toLowerCase() === name);
  for (const name of TITLE_NAMES) {
    const c = byName(name);
    if (c && qualifies(c, true)) return c;
  }
  return columns.find((c) => !TITLE_NAMES.includes(c.toLowerCase()) && qualifies(c, false));
}

/**
 * Auto text columns: the long ones (numeric as metadata reads it, 1.234,56 in a ';' file, never). With none, a table of
 * short fields (a price list: "servico;especie;porte;preco"), there are none: the whole row is its "campo: valor; ..."
 * line, searched and quoted as one record ("servico: Vacina V10; especie: cão; preco: R$ 95,00"), each field also kept
 * as metadata. (Each short cell as a paragraph of its own was quoted alone, "R$ 95,00" or "qualquer", naming nothing.)
 */
function autoTextColumns(rows: Record<string, string>[], columns: string[], ptBr: boolean): string[] {
  const sample = rows.slice(0, 200);
  const avg = (c: string) => sample.reduce((s, r) => s + (r[c]?.length ?? 0), 0) / sample.length;
  const numeric = (v: string | undefined) => toNumber(v ?? '', ptBr) !== undefined;
  return columns.filter((c) => avg(c) > 40 && !sample.every((r) => numeric(r[c])));
}


/** The candidate that occurs most often in the header line, outside quotes; a comma on a tie or none. */
export function sniffDelimiter(text: string): string {
  const counts = new Map(DELIMITER_CANDIDATES.map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < text.length && i < 65536; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** Fields in the first record (the header), outside quotes; a quoted field may hold the delimiter or a line break. */
export function headerColumnCount(text: string, delimiter: string): number {
  let quoted = false;
  let count = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '\n' || ch === '\r') break;
    else if (ch === delimiter) count++;
  }
  return count;
}

/** "Action, Drama" -> ["Action", "Drama"]: trimmed items, empty ones dropped. */
function splitList(value: string, separator: string): string[] {
  return value
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A number as the file writes it, or undefined: 8.78 anywhere; 8,78 and 1.234,56 in a pt-BR (';') file. */
function toNumber(v: string, ptBr: boolean): number | undefined {
  if (v.length >= 16) return undefined;
  if (ptBr && PT_BR_NUMBER.test(v) && (v.includes(',') || /\.\d{3}$/.test(v))) return Number(v.replace(/\./g, '').replace(',', '.'));
  return NUMBER.test(v) ? Number(v) : undefined;
}

/**
 * Columns that hold tag lists, such as `Genres` = "Action, Adventure, Drama": in the first 500 rows, at
 * least 20% of the values contain the separator, every item is short (at most 40 characters), most items
 * have a letter (so 8,78 is not a list), items repeat (a vocabulary: at most half as many distinct items
 * as items), and repeated items turn up at different places in the list (a tag is first in one row and
 * third in another; "São Paulo, SP" or "Silva, Ana" keep each part in its place).
 */
export function detectListColumns(rows: Record<string, string>[], candidates: string[], separator: string): string[] {
  const sample = rows.slice(0, 500);
  return candidates.filter((c) => {
    const values = sample.map((r) => r[c] ?? '').filter((v) => v !== '');
    if (values.length < 5 || values.filter((v) => v.includes(separator)).length < values.length * 0.2) return false;
    const lists = values.map((v) => splitList(v, separator));
    const items = lists.flat();
    if (items.some((i) => i.length > 40)) return false;
    if (items.filter((i) => /\p{L}/u.test(i)).length < items.length * 0.8) return false;
    if (new Set(items).size * 2 > items.length) return false;
    const seen = new Map<string, { count: number; places: Set<number> }>();
    for (const list of lists) {
      list.forEach((item, i) => {
        const entry = seen.get(item) ?? { count: 0, places: new Set<number>() };
        entry.count++;
        entry.places.add(i);
        seen.set(item, entry);
      });
    }
    const repeated = [...seen.values()].filter((e) => e.count > 1);
    return repeated.filter((e) => e.places.size > 1).length >= repeated.length * 0.3;
  });
}

function firstDuplicate(values: string[]): { value: string; rows: [number, number] } | null {
  const seen = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    if (values[i] === '') continue;
    const at = seen.get(values[i]);
    if (at !== undefined) return { value: values[i], rows: [at + 1, i + 1] };
    seen.set(values[i], i);
  }
  return null;
}

/** Columns a refusal names: enough to spot a typo, never the whole header of a wide file (a 400 stays small). */
const NAMED_COLUMNS = 10;
const NAME_CHARS = 64;

function clip(name: string): string {
  return name.length > NAME_CHARS ? `${name.slice(0, NAME_CHARS)}…` : name;
}

/** "columns: a, b, c" for a narrow file; "10 of 500 columns: a, …" for a wide one. */
export function someColumns(columns: string[]): string {
  const named = columns.slice(0, NAMED_COLUMNS).map(clip).join(', ');
  return columns.length > NAMED_COLUMNS ? `${NAMED_COLUMNS} of ${columns.length} columns: ${named}, …` : `columns: ${named}`;
}
