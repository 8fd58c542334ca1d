import { ParsedDocument, RawDocument } from '../../application/ports/parser.port';
import { decodeText, stem } from './text-decoding';

export function parsePlainText(raw: RawDocument): ParsedDocument[] {
  return [{ title: stem(raw.filename), text: decodeText(raw.buffer, raw.filename), mimeType: 'text/plain', metadata: {} }];
}

/** Markdown stays markdown (headings and lists carry meaning); the first ATX heading is the title. */
export function parseMarkdown(raw: RawDocument): ParsedDocument[] {
  const text = decodeText(raw.buffer, raw.filename);
  const heading = /^#{1,2}\s+(.+?)\s*#*\s*$/m.exec(text)?.[1];
  return [{ title: heading ?? stem(raw.filename), text, mimeType: 'text/markdown', metadata: {} }];
}
