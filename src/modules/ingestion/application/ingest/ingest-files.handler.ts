import { Inject, Injectable } from '@nestjs/common';
import { SourceType } from '../../domain/document';
import { DocumentParser, ParsedDocument, ParseOptions, RawDocument } from '../ports/parser.port';
import { DOCUMENT_PARSER } from '../ports/ingestion.tokens';
import { IngestResult, IngestTextCommand } from './ingest.command';
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
 * stores nothing. Then the extracted documents go through IngestTextHandler.executeMany, in batches.
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

  /**
   * Writes the extracted documents in batches (IngestTextHandler.executeMany). onDocument sees each stored
   * document in order as its batch commits (an exception from it stops the run there). When a document fails,
   * the others are still written, and then the first failure is thrown, as the request's answer.
   */
  async ingestParsed(cmd: IngestFilesCommand, parsed: ParsedFile[], onDocument?: (r: IngestResult) => void): Promise<IngestResult[]> {
    const commands: IngestTextCommand[] = [];
    for (const { raw, docs } of parsed) {
      const baseSource = cmd.sourceId ?? raw.url ?? raw.filename;
      for (const doc of docs) {
        commands.push({
          collection: cmd.collection,
          title: doc.title,
          text: doc.text,
          mimeType: doc.mimeType,
          sourceType: cmd.sourceType ?? 'upload',
          sourceId: baseSource + (doc.sourceSuffix ?? ''),
          sizeBytes: docs.length === 1 ? raw.buffer.length : Buffer.byteLength(doc.text, 'utf8'),
          metadata: { ...doc.metadata, ...cmd.metadata, ...(raw.url ? { url: raw.url } : { filename: raw.filename }) },
        });
      }
    }
    const outcomes = await this.ingestText.executeMany(commands, (o) => {
      if (o.result) onDocument?.(o.result);
    });
    const failed = outcomes.find((o) => o.error !== undefined);
    if (failed) throw failed.error;
    return outcomes.map((o) => o.result!);
  }
}
