import { UnreadableDocumentError } from '../../domain/ingestion.errors';

/** Strict UTF-8 (BOM stripped); falls back to Windows-1252 only when the bytes are not UTF-8 and hold no NUL. */
export function decodeText(buffer: Buffer, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buffer);
  } catch {
    if (buffer.includes(0)) throw new UnreadableDocumentError(name, 'binary content is not text');
    return new TextDecoder('windows-1252').decode(buffer);
  }
}

export function stem(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? filename;
  const dot = base.lastIndexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base) || base;
}
