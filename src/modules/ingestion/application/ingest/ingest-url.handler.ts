import { Inject, Injectable } from '@nestjs/common';
import { WebFetcher } from '../ports/web-fetcher.port';
import { WEB_FETCHER } from '../ports/ingestion.tokens';
import { IngestResult } from './ingest.command';
import { IngestFilesHandler } from './ingest-files.handler';

export interface IngestUrlCommand {
  url: string;
  collection: string;
  title?: string;
  metadata?: Record<string, unknown>;
}

/** Fetches a web page (SSRF-guarded), keeps its main text and ingests it with the URL as source id. */
@Injectable()
export class IngestUrlHandler {
  constructor(
    @Inject(WEB_FETCHER) private readonly fetcher: WebFetcher,
    private readonly files: IngestFilesHandler,
  ) {}

  async execute(cmd: IngestUrlCommand): Promise<IngestResult> {
    const res = await this.fetcher.fetch(cmd.url);
    const name = new URL(res.finalUrl).pathname.split('/').filter(Boolean).pop() ?? 'index.html';
    const raw = { buffer: res.buffer, filename: name, mimeType: res.contentType, url: res.finalUrl };
    const parsed = await this.files.parseAll([raw]);
    if (cmd.title) parsed[0].docs.forEach((d) => (d.title = cmd.title!));
    const {
      documents: [first],
    } = await this.files.ingestParsed(
      { collection: cmd.collection, files: [raw], metadata: cmd.metadata, sourceId: cmd.url, sourceType: 'url' },
      parsed,
    );
    return first;
  }
}
