import { Inject, Injectable } from '@nestjs/common';
import { SourceType } from '../../domain/document';
import { DocumentParser, ParsedDocument, ParseOptions, RawDocument } from '../ports/parser.port';
import { DOCUMENT_PARSER } from '../ports/ingestion.tokens';
import { IngestResult, IngestTextCommand, RemovedDocument } from './ingest.command';
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

/** An upload's answer: each document's result, in order, and the documents of earlier versions of its files it removed. */
export interface FilesResult {
  documents: IngestResult[];
  /** Present when not empty: see FileScope (a file of many records replaced whole). */
  removed?: RemovedDocument[];
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

  /** `signal`: the request's (a client that went away stops the parse of its files). */
  async parseAll(files: RawDocument[], options?: ParseOptions, signal?: AbortSignal): Promise<ParsedFile[]> {
    const parsed: ParsedFile[] = [];
    const opts = signal ? { ...options, signal } : options;
    for (const raw of files) parsed.push({ raw, docs: await this.parser.parse(raw, opts) });
    return parsed;
  }

  /** Parses and ingests the files: each document's result (what earlier versions lost is in the log, see ingestParsed). */
  async execute(cmd: IngestFilesCommand, onDocument?: (r: IngestResult) => void): Promise<IngestResult[]> {
    const parsed = await this.parseAll(cmd.files, cmd.parseOptions);
    return (await this.ingestParsed(cmd, parsed, onDocument)).documents;
  }

  /**
   * Writes the extracted documents in batches (IngestTextHandler.executeMany). onDocument sees each stored
   * document in order as its batch commits (an exception from it stops the run there). When a document fails,
   * the others are still written, and then the first failure is thrown, as the request's answer.
   * A file of many records (CSV rows, a JSON array) replaces its earlier version whole: that version's documents the
   * new one does not have are deleted with the write of its last record (FileScope), and listed in `removed`.
   */
  async ingestParsed(cmd: IngestFilesCommand, parsed: ParsedFile[], onDocument?: (r: IngestResult) => void): Promise<FilesResult> {
    const commands = parsed.flatMap((file) => commandsFor(cmd, file));
    const outcomes = await this.ingestText.executeMany(commands, (o) => {
      if (o.result) onDocument?.(o.result);
    });
    const failed = outcomes.find((o) => o.error !== undefined);
    if (failed) throw failed.error;
    const removed = outcomes.flatMap((o) => o.removed ?? []);
    return { documents: outcomes.map((o) => o.result!), ...(removed.length ? { removed } : {}) };
  }

  /**
   * Many files, each with its own outcome (the CLI's directory runs): each file is parsed on its own (one that
   * cannot be parsed fails alone), then the documents of all of them go through one executeMany, so many small
   * files share a batch (one transaction, one embedding pass). A file fails when one of its documents fails (its
   * other documents are still written, as in execute). `on.document` sees each stored document and `on.file` each
   * file's outcome, in input order, as their batches commit; an exception from either stops the run there.
   * `on.stop` stops it between batches instead (executeMany): every document written is then reported, and a file
   * whose documents were not all written gets no `on.file` (nor does any file after it).
   */
  async ingestEach(cmd: Omit<IngestFilesCommand, 'files' | 'sourceId'>, files: RawDocument[], on: IngestEachListener = {}): Promise<FileOutcome[]> {
    const outcomes: FileOutcome[] = files.map(() => ({ results: [] }));
    const pending: number[] = files.map(() => 0);
    const owners: number[] = [];
    const commands: IngestTextCommand[] = [];
    for (const [i, raw] of files.entries()) {
      try {
        const file = { raw, docs: await this.parser.parse(raw, cmd.parseOptions) };
        for (const c of commandsFor(cmd, file)) {
          commands.push(c);
          owners.push(i);
          pending[i]++;
        }
      } catch (error) {
        outcomes[i] = { error, results: [] };
      }
    }
    let next = 0;
    const settleFiles = () => {
      for (; next < files.length && pending[next] === 0; next++) on.file?.(next, outcomes[next]);
    };
    settleFiles();
    await this.ingestText.executeMany(
      commands,
      (o, index) => {
        const i = owners[index];
        if (o.result) {
          outcomes[i].results!.push(o.result);
          if (o.removed) outcomes[i].removed = o.removed;
          on.document?.(i, o.result);
        } else if (outcomes[i].error === undefined) outcomes[i] = { error: o.error, results: outcomes[i].results };
        pending[i]--;
        settleFiles();
      },
      on.stop,
    );
    return outcomes;
  }
}

/** What ingestEach reports for one file: the documents it stored, those of its earlier version it removed, and, when it failed, the first error. */
export interface FileOutcome {
  results: IngestResult[];
  removed?: RemovedDocument[];
  error?: unknown;
}

export interface IngestEachListener {
  document?(file: number, result: IngestResult): void;
  file?(file: number, outcome: FileOutcome): void;
  /** Asked between batches: true writes no more (an interrupted CLI run). */
  stop?(): boolean;
}

/**
 * The ingestion commands of one parsed file (its source id, size and metadata as an upload gives them). The records of
 * a file of many carry its FileScope, and the last one the source ids of them all.
 */
function commandsFor(cmd: Omit<IngestFilesCommand, 'files'>, { raw, docs }: ParsedFile): IngestTextCommand[] {
  const baseSource = cmd.sourceId ?? raw.url ?? raw.filename;
  const commands = docs.map((doc) => ({
    collection: cmd.collection,
    title: doc.title,
    text: doc.text,
    mimeType: doc.mimeType,
    sourceType: cmd.sourceType ?? 'upload',
    sourceId: baseSource + (doc.sourceSuffix ?? ''),
    sizeBytes: docs.length === 1 ? raw.buffer.length : Buffer.byteLength(doc.text, 'utf8'),
    metadata: { ...doc.metadata, ...cmd.metadata, ...(raw.url ? { url: raw.url } : { filename: raw.filename }) },
  }));
  if (!docs.some((d) => d.sourceSuffix)) return commands;
  const keep = new Set(commands.map((c) => c.sourceId));
  return commands.map((c, i) => ({ ...c, file: i === commands.length - 1 ? { source: baseSource, keep } : { source: baseSource } }));
}
