import { Inject, Injectable } from '@nestjs/common';
import { SourceType } from '../../domain/document';
import { DocumentParser, ParsedDocument, ParseOptions, RawDocument } from '../ports/parser.port';
import { DOCUMENT_PARSER } from '../ports/ingestion.tokens';
import { IngestResult } from './ingest.command';
import { IngestTextHandler } from './ingest-text.handler';

export interface IngestFilesCommand {
  collection: string;
  files: RawDocument[];
  metadata?: Record<string, unknown>;
  /** Overrides the file name as source identity (single file only). */
  sourceId?: string;
  sourceType?: SourceType;
  parseOptions?: ParseOptions;
}

export interface ParsedFile {
  raw: RawDocument;
  docs: ParsedDocument[];
}

/**
 * Uploads: every file is parsed before anything is written, so one bad file rejects the request and
 * stores nothing. Then each extracted document goes through IngestTextHandler.
 */
@Injectable()
export class IngestFilesHandler {
  constructor(
    @Inject(DOCUMENT_PARSER) private readonly parser: DocumentParser,
    private readonly ingestText: IngestTextHandler,
  ) {}

  async parseAll(files: RawDocument[], options?: ParseOptions): Promise<ParsedFile[]> {
    const parsed: ParsedFile[] = [];
    for (const raw of files) parsed.push({ raw, docs: await this.parser.parse(raw, options) });
    return parsed;
  }

  async execute(cmd: IngestFilesCommand, onDocument?: (r: IngestResult) => void): Promise<IngestResult[]> {
    const parsed = await this.parseAll(cmd.files, cmd.parseOptions);
    return this.ingestParsed(cmd, parsed, onDocument);
  }

  async ingestParsed(cmd: IngestFilesCommand, parsed: ParsedFile[], onDocument?: (r: IngestResult) => void): Promise<IngestResult[]> {
    const results: IngestResult[] = [];
    for (const { raw, docs } of parsed) {
      const baseSource = cmd.sourceId ?? raw.url ?? raw.filename;
      for (const doc of docs) {
        const result = await this.ingestText.execute({
          collection: cmd.collection,
          title: doc.title,
          text: doc.text,
          mimeType: doc.mimeType,
          sourceType: cmd.sourceType ?? 'upload',
          sourceId: baseSource + (doc.sourceSuffix ?? ''),
          sizeBytes: docs.length === 1 ? raw.buffer.length : Buffer.byteLength(doc.text, 'utf8'),
          metadata: { ...doc.metadata, ...cmd.metadata, ...(raw.url ? { url: raw.url } : { filename: raw.filename }) },
        });
        results.push(result);
        onDocument?.(result);
      }
    }
    return results;
  }
}
