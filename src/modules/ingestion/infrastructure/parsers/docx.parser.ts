import mammoth from 'mammoth';
import { ParsedDocument, RawDocument } from '../../application/ports/parser.port';
import { UnreadableDocumentError } from '../../domain/ingestion.errors';
import { stem } from './text-decoding';

export async function parseDocx(raw: RawDocument): Promise<ParsedDocument[]> {
  try {
    const { value } = await mammoth.extractRawText({ buffer: raw.buffer });
    const firstLine = value.split('\n').find((l) => l.trim())?.trim();
    const title = firstLine && firstLine.length <= 120 ? firstLine : stem(raw.filename);
    return [{ title, text: value, mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', metadata: {} }];
  } catch (e) {
    throw new UnreadableDocumentError(raw.filename, `not a readable .docx (${(e as Error).message})`);
  }
}
