import { ParsedDocument, RawDocument } from '../../application/ports/parser.port';
import { UnreadableDocumentError } from '../../domain/ingestion.errors';
import { stem } from './text-decoding';
import { propertiesTitle } from './title';

/** Text of every page; the title is the Info dictionary's Title unless it is a placeholder, else the file name. */
export async function parsePdf(raw: RawDocument): Promise<ParsedDocument[]> {
  const { PDFParse } = await import('pdf-parse');
  const parser = new PDFParse({ data: new Uint8Array(raw.buffer) });
  try {
    // One call at a time: the parser holds a single pdf.js document.
    const result = await parser.getText();
    const info = await parser.getInfo().catch(() => undefined);
    const metadataTitle = (info?.info as { Title?: unknown } | undefined)?.Title;
    const title = propertiesTitle(typeof metadataTitle === 'string' ? metadataTitle : undefined);
    const text = result.text.replace(/\n-- \d+ of \d+ --\n/g, '\n\n');
    return [{ title: title ?? stem(raw.filename), text, mimeType: 'application/pdf', metadata: { pages: result.total } }];
  } catch (e) {
    throw new UnreadableDocumentError(raw.filename, `not a readable PDF (${(e as Error).message})`);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}
