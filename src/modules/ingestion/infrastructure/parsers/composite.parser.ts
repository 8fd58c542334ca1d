import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { DocumentParser, ParsedDocument, ParseOptions, RawDocument } from '../../application/ports/parser.port';
import { DocumentTooLargeError, EmptyDocumentError, ParseLimitExceededError, UnsupportedTypeError } from '../../domain/ingestion.errors';
import { parseCsv } from './csv.parser';
import { parseHtml } from './html.parser';
import { parseJson } from './json.parser';
import { ParseTask, runParseTask } from './parse-task';
import { ParserPool } from './parser-pool';
import { parseMarkdown, parsePlainText } from './plain-text.parser';

export type DocumentFormat = 'txt' | 'md' | 'html' | 'pdf' | 'docx' | 'json' | 'csv';

const BY_EXTENSION: Record<string, DocumentFormat> = {
  txt: 'txt', text: 'txt', md: 'md', markdown: 'md', html: 'html', htm: 'html', pdf: 'pdf', docx: 'docx', json: 'json', csv: 'csv',
};
const BY_MIME: Record<string, DocumentFormat> = {
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/x-markdown': 'md',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/json': 'json',
  'text/csv': 'csv',
  'application/csv': 'csv',
};

/** Resident memory a parse worker takes to start (Node's own, pdf.js and mammoth loaded), over its heap. */
const WORKER_START_BYTES = 64 * 2 ** 20;

/**
 * Detects the format (extension, then declared media type, then magic bytes) and extracts text.
 * Refuses what it cannot read with 415 (type), 413 (size) or 422 (empty / unreadable), and what would cost too much
 * to read with the budgets of ingestion.limits, enforced by each parser while it reads (see ParseLimitExceededError).
 * PDF and .docx are parsed in worker threads (ingestion.parse), started on the first such file.
 */
@Injectable()
export class CompositeDocumentParser implements DocumentParser, OnModuleDestroy {
  private pool?: ParserPool;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleDestroy(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  detect(raw: RawDocument): DocumentFormat {
    const ext = /\.([a-z0-9]+)$/i.exec(raw.filename)?.[1]?.toLowerCase();
    if (ext && BY_EXTENSION[ext]) return BY_EXTENSION[ext];
    const mime = raw.mimeType?.split(';')[0].trim().toLowerCase();
    if (mime && BY_MIME[mime]) return BY_MIME[mime];
    const head = raw.buffer.subarray(0, 5).toString('latin1');
    if (head === '%PDF-') return 'pdf';
    if (ext === undefined && /^\s*<(!doctype html|html)/i.test(raw.buffer.subarray(0, 200).toString('utf8'))) return 'html';
    throw new UnsupportedTypeError(ext ? `.${ext} (${raw.filename})` : `${mime ?? 'unknown'} (${raw.filename})`);
  }

  async parse(raw: RawDocument, options: ParseOptions = {}): Promise<ParsedDocument[]> {
    const format = this.detect(raw);
    if (raw.buffer.length > this.config.ingestion.maxFileBytes) {
      throw new DocumentTooLargeError(raw.filename, `${this.config.ingestion.maxFileBytes} bytes`);
    }
    if (raw.buffer.length === 0) throw new EmptyDocumentError(raw.filename);
    const docs = await this.parseAs(format, raw, options);
    const { maxTextChars } = this.config.ingestion;
    const long = docs.find((d) => d.text.length > maxTextChars);
    if (long) throw new ParseLimitExceededError(raw.filename, 'maxTextChars', maxTextChars, long.text.length);
    const nonEmpty = docs.filter((d) => d.text.trim().length > 0);
    if (nonEmpty.length === 0) throw new EmptyDocumentError(raw.filename);
    return nonEmpty;
  }

  private parseAs(format: DocumentFormat, raw: RawDocument, options: ParseOptions): ParsedDocument[] | Promise<ParsedDocument[]> {
    const { limits, maxTextChars } = this.config.ingestion;
    switch (format) {
      case 'txt':
        return parsePlainText(raw);
      case 'md':
        return parseMarkdown(raw);
      case 'html':
        return parseHtml(raw);
      case 'pdf':
      case 'docx':
        return this.parseOffThread(
          { format, filename: raw.filename, mimeType: raw.mimeType, buffer: raw.buffer, limits: { maxDecompressedBytes: limits.maxDecompressedBytes, maxTextChars } },
          options.signal,
        );
      case 'json':
        return parseJson(raw, limits);
      case 'csv':
        return parseCsv(raw, this.config.ingestion.csv, options.csv, limits);
      default: {
        const unreachable: never = format;
        throw new UnsupportedTypeError(String(unreachable));
      }
    }
  }

  /** pdf.js and mammoth hold the thread they run on as long as a file asks: a worker's, unless workers is 0. */
  private parseOffThread(task: ParseTask, signal?: AbortSignal): Promise<ParsedDocument[]> {
    const { workers, timeoutMs, maxMemoryMb, maxQueued } = this.config.ingestion.parse;
    if (workers === 0) return runParseTask(task);
    // a worker's heap, twice the inflated bytes a file may hold (pdf.js copies a stream as it decodes it), and what a
    // worker costs to start: past it the process grew for reasons no limit above accounts for
    const maxRssGrowthBytes = maxMemoryMb * 2 ** 20 + 2 * this.config.ingestion.limits.maxDecompressedBytes + WORKER_START_BYTES;
    this.pool ??= new ParserPool({ size: workers, timeoutMs, maxMemoryMb, maxQueued, maxRssGrowthBytes });
    return this.pool.run(task, signal);
  }
}
