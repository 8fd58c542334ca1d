import { constants, inflateSync } from 'node:zlib';
import { ParsedDocument, RawDocument } from '../../application/ports/parser.port';
import { DomainError } from '../../../../shared/errors/domain-error';
import { ParseLimitExceededError, UnreadableDocumentError } from '../../domain/ingestion.errors';
import { stem } from './text-decoding';
import { propertiesTitle } from './title';

export interface PdfLimits {
  /** All Flate streams of the file together, inflated (ingestion.limits.maxDecompressedBytes). */
  maxDecompressedBytes: number;
  /** The extracted text (ingestion.maxTextChars). */
  maxTextChars: number;
}

/**
 * Text of every page; the title is the Info dictionary's Title unless it is a placeholder, else the file name.
 * With limits, a file whose streams inflate past the budget is refused before pdf.js reads it (413), and text past
 * maxTextChars is refused where it is extracted (in the parse worker: it is not copied back).
 */
export async function parsePdf(raw: RawDocument, limits?: PdfLimits): Promise<ParsedDocument[]> {
  if (limits) checkInflatedSize(raw, limits.maxDecompressedBytes);
  const { PDFParse } = await import('pdf-parse');
  const parser = new PDFParse({ data: new Uint8Array(raw.buffer) });
  try {
    // One call at a time: the parser holds a single pdf.js document.
    const result = await parser.getText();
    const info = await parser.getInfo().catch(() => undefined);
    const metadataTitle = (info?.info as { Title?: unknown } | undefined)?.Title;
    const title = propertiesTitle(typeof metadataTitle === 'string' ? metadataTitle : undefined);
    const text = result.text.replace(/\n-- \d+ of \d+ --\n/g, '\n\n');
    if (limits && text.length > limits.maxTextChars) throw new ParseLimitExceededError(raw.filename, 'maxTextChars', limits.maxTextChars, text.length);
    return [{ title: title ?? stem(raw.filename), text, mimeType: 'application/pdf', metadata: { pages: result.total } }];
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new UnreadableDocumentError(raw.filename, `not a readable PDF (${(e as Error).message})`);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

const STREAM = Buffer.from('stream');
const END_STREAM = Buffer.from('endstream');
/** How far before `stream` its dictionary is looked for (a /Filter entry). */
const DICTIONARY_WINDOW = 2048;

/**
 * Refuses a PDF whose Flate streams inflate past `max` bytes together (pdf.js inflates a content stream whole: 300 KB
 * that inflate to 300 MB held the thread 6 s). One pass over the raw bytes: each `stream … endstream` whose dictionary
 * names FlateDecode is inflated, at most to what is left of the budget; streams that do not inflate are left to pdf.js.
 */
function checkInflatedSize(raw: RawDocument, max: number): void {
  const pdf = raw.buffer;
  let inflated = 0;
  for (let at = pdf.indexOf(STREAM); at >= 0; ) {
    let start = at + STREAM.length;
    if (pdf[start] === 0x0d) start++;
    if (pdf[start] === 0x0a) start++;
    const end = pdf.indexOf(END_STREAM, start);
    if (end < 0) break;
    const dictionary = pdf.toString('latin1', Math.max(0, at - DICTIONARY_WINDOW), at);
    const own = dictionary.slice(dictionary.lastIndexOf(' obj') + 1);
    if (/\/(FlateDecode|Fl)\b/.test(own)) {
      try {
        inflated += inflateSync(pdf.subarray(start, end), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: max - inflated + 1 }).length;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') inflated = max + 1;
      }
      if (inflated > max) throw new ParseLimitExceededError(raw.filename, 'maxDecompressedBytes', max);
    }
    at = pdf.indexOf(STREAM, end + END_STREAM.length);
  }
}
