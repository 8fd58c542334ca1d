import { inflateRawSync } from 'node:zlib';
import JSZip from 'jszip';
import mammoth from 'mammoth';
import { ParsedDocument, RawDocument } from '../../application/ports/parser.port';
import { ParseLimitExceededError, UnreadableDocumentError } from '../../domain/ingestion.errors';
import { stem } from './text-decoding';
import { cleanTitle, firstLineTitle, propertiesTitle } from './title';

const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
/** Paragraph styles that make a heading: built-in names ("Title", "Heading 1") and ids, also as pt-BR Word writes them ("Ttulo1"). */
const HEADING_STYLE = /^(title|heading\s*\d|t[íi]?tulo\s*\d*)$/i;
const MAX_HEADING_CHARS = 200;

/** The part of mammoth's document tree read here. */
interface DocxElement {
  type: string;
  value?: string;
  styleId?: string | null;
  styleName?: string | null;
  children?: DocxElement[];
}

export interface DocxLimits {
  /** All entries of the package together, inflated (ingestion.limits.maxDecompressedBytes). */
  maxDecompressedBytes: number;
  /** The extracted text (ingestion.maxTextChars). */
  maxTextChars: number;
}

/**
 * Text as mammoth's extractRawText gives it (paragraphs end in a blank line). The title is the first paragraph styled
 * as a title or heading, else the core properties title (unless a placeholder such as "Documento1"), else the first
 * line when it reads like a title, else the file name. One pass over the document: the tree is read once for both.
 */
export async function parseDocx(raw: RawDocument, limits?: DocxLimits): Promise<ParsedDocument[]> {
  if (limits) await checkInflatedSize(raw, limits.maxDecompressedBytes);
  let text = '';
  let heading: string | undefined;
  try {
    await mammoth.convertToHtml(
      { buffer: raw.buffer },
      {
        transformDocument: (document: DocxElement) => {
          text = rawText(document);
          heading = firstHeading(document);
          return { ...document, children: [] }; // nothing left to render: the HTML is not used
        },
      },
    );
  } catch (e) {
    throw new UnreadableDocumentError(raw.filename, `not a readable .docx (${(e as Error).message})`);
  }
  if (limits && text.length > limits.maxTextChars) throw new ParseLimitExceededError(raw.filename, 'maxTextChars', limits.maxTextChars, text.length);
  const title = heading ?? propertiesTitle(coreTitle(raw.buffer)) ?? firstLineTitle(text) ?? stem(raw.filename);
  return [{ title, text, mimeType: DOCX_MIME, metadata: {} }];
}

/** The part of a JSZip entry read here: the sizes its central directory declares. */
interface ZipEntryData {
  uncompressedSize?: number;
}

/** JSZip's StreamHelper (`internalStream`, untyped): inflates chunk by chunk and can be paused for good. */
interface ZipEntryStream {
  on(event: 'data', fn: (chunk: Uint8Array) => void): ZipEntryStream;
  on(event: 'error', fn: (e: Error) => void): ZipEntryStream;
  on(event: 'end', fn: () => void): ZipEntryStream;
  pause(): ZipEntryStream;
  resume(): ZipEntryStream;
}

/**
 * Refuses a package that inflates past `max` bytes before mammoth reads it: first by the sizes the central directory
 * declares (nothing inflated), then by inflating every entry as a stream and counting, stopping at the first byte past
 * the budget (declared sizes can lie). Only one chunk is held at a time, so a bomb costs CPU up to the budget, not memory.
 */
async function checkInflatedSize(raw: RawDocument, max: number): Promise<void> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(raw.buffer);
  } catch (e) {
    throw new UnreadableDocumentError(raw.filename, `not a readable .docx (${(e as Error).message})`);
  }
  const entries = Object.values(zip.files).filter((f) => !f.dir);
  const declared = entries.reduce((sum, f) => sum + ((f as unknown as { _data?: ZipEntryData })._data?.uncompressedSize ?? 0), 0);
  if (declared > max) throw new ParseLimitExceededError(raw.filename, 'maxDecompressedBytes', max, declared);
  let inflated = 0;
  for (const entry of entries) {
    await new Promise<void>((resolve, reject) => {
      const stream = (entry as unknown as { internalStream(type: 'uint8array'): ZipEntryStream }).internalStream('uint8array');
      stream
        .on('data', (chunk) => {
          inflated += chunk.length;
          if (inflated > max) {
            stream.pause();
            reject(new ParseLimitExceededError(raw.filename, 'maxDecompressedBytes', max));
          }
        })
        .on('error', (e) => reject(new UnreadableDocumentError(raw.filename, `not a readable .docx (${e.message})`)))
        .on('end', () => resolve())
        .resume();
    });
  }
}

/** mammoth's convertElementToRawText (what extractRawText returns): text runs, tabs, a blank line after each paragraph. */
export function rawText(element: DocxElement): string {
  if (element.type === 'text') return element.value ?? '';
  if (element.type === 'tab') return '\t';
  const inner = (element.children ?? []).map(rawText).join('');
  return element.type === 'paragraph' ? `${inner}\n\n` : inner;
}

function firstHeading(element: DocxElement): string | undefined {
  if (element.type === 'paragraph') {
    const styled = [element.styleName, element.styleId].some((s) => !!s && HEADING_STYLE.test(s.trim()));
    if (!styled) return undefined;
    const title = cleanTitle(rawText(element));
    return title && title.length <= MAX_HEADING_CHARS ? title : undefined;
  }
  for (const child of element.children ?? []) {
    const found = firstHeading(child);
    if (found) return found;
  }
  return undefined;
}

/** `<dc:title>` of docProps/core.xml, or undefined when there is none or the package cannot be read for it. */
function coreTitle(docx: Buffer): string | undefined {
  try {
    const xml = zipEntry(docx, 'docProps/core.xml')?.toString('utf8');
    const value = xml && /<dc:title(?:\s[^>]*)?>([\s\S]*?)<\/dc:title>/.exec(xml)?.[1];
    return value ? unescapeXml(value) : undefined;
  } catch {
    return undefined;
  }
}

function unescapeXml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(lt|gt|quot|apos);/g, (_, n: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'" })[n] ?? '')
    .replace(/&amp;/g, '&');
}

/** One stored or deflated entry of a zip file, read through its central directory (small entries only). */
function zipEntry(zip: Buffer, name: string): Buffer | undefined {
  const END = 0x06054b50;
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END) {
      end = i;
      break;
    }
  }
  if (end < 0) return undefined;
  const entries = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  for (let n = 0; n < entries && p + 46 <= zip.length && zip.readUInt32LE(p) === 0x02014b50; n++) {
    const nameLength = zip.readUInt16LE(p + 28);
    if (zip.toString('utf8', p + 46, p + 46 + nameLength) === name) {
      const method = zip.readUInt16LE(p + 10);
      const size = zip.readUInt32LE(p + 20);
      const local = zip.readUInt32LE(p + 42);
      if (zip.readUInt32LE(local) !== 0x04034b50) return undefined;
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return data;
      return method === 8 ? inflateRawSync(data, { maxOutputLength: 1 << 20 }) : undefined;
    }
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return undefined;
}
