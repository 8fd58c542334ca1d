import { ParsedDocument, RawDocument } from '../../application/ports/parser.port';
import { decodeText, stem } from './text-decoding';
import { firstLineTitle, markdownTitle } from './title';

/** The first line is the title when it reads like one (short, no sentence punctuation, more text after it). */
export function parsePlainText(raw: RawDocument): ParsedDocument[] {
  const text = decodeText(raw.buffer, raw.filename);
  return [{ title: firstLineTitle(text) ?? stem(raw.filename), text, mimeType: 'text/plain', metadata: {} }];
}

/** Markdown stays markdown (headings and lists carry meaning); front matter title or first heading is the title. */
export function parseMarkdown(raw: RawDocument): ParsedDocument[] {
  const text = decodeText(raw.buffer, raw.filename);
  return [{ title: markdownTitle(text) ?? stem(raw.filename), text, mimeType: 'text/markdown', metadata: {} }];
}
