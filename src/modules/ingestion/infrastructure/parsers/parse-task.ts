import { ParsedDocument } from '../../application/ports/parser.port';
import { DomainError, DomainErrorKind } from '../../../../shared/errors/domain-error';
import { parseDocx } from './docx.parser';
import { parsePdf } from './pdf.parser';

/** A file for the parse worker: what parsePdf / parseDocx need, in a form a worker message carries. */
export interface ParseTask {
  format: 'pdf' | 'docx';
  filename: string;
  mimeType?: string;
  buffer: Uint8Array;
  limits: { maxDecompressedBytes: number; maxTextChars: number };
}

/** An error as it crosses the thread boundary: a domain error keeps its code, kind and details. */
export type ParseTaskError = { domain: true; code: string; kind: DomainErrorKind; message: string; details: DomainError['details'] } | { domain: false; message: string };

/** Runs in the parse worker (see parser-pool.ts); also callable on the app thread (ingestion.parse.workers: 0). */
export function runParseTask(task: ParseTask): Promise<ParsedDocument[]> {
  const raw = { buffer: Buffer.from(task.buffer.buffer, task.buffer.byteOffset, task.buffer.byteLength), filename: task.filename, mimeType: task.mimeType };
  return task.format === 'pdf' ? parsePdf(raw, task.limits) : parseDocx(raw, task.limits);
}

export function toTaskError(e: unknown): ParseTaskError {
  if (e instanceof DomainError) return { domain: true, code: e.code, kind: e.kind, message: e.message, details: e.details };
  return { domain: false, message: e instanceof Error ? e.message : String(e) };
}
