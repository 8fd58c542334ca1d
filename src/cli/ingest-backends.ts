/**
 * Where `npm run ingest` sends its inputs: the application handlers in this process (the embedded database or
 * DATABASE_URL), or a running acervo server over HTTP (the one holding the data dir, or `--url`). Both report each
 * stored document as an IngestResult, so progress and summary are the same.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { basename } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import type { FileOutcome, IngestResult } from '../modules/ingestion';
import type { BulkImport, IndexRepair } from '../modules/retrieval';
import type { AppConfig } from '../shared/config';
import type { DatabaseState } from '../shared/database';

export interface IngestJob {
  collection: string;
  metadata: Record<string, unknown>;
  csv: { textColumns?: string[]; titleColumn?: string; idColumn?: string; listColumns?: string[] };
}

export interface IngestBackend {
  /** Said in the first line of output: where the documents go. */
  readonly where: string;
  /** Ingests one file; onDocument is called for each stored document (a CSV yields many). */
  ingestFile(
    file: { name: string; buffer: Buffer },
    job: IngestJob,
    onDocument: (r: IngestResult) => void,
  ): Promise<void>;
  /**
   * Many files at once, each with its own outcome (in process: their documents share batches, so many small files
   * are one transaction). onDocument and onFile are called in input order; an exception from either stops the run.
   * `stop` is asked between batches: once true, no other batch is written, and every document written is reported
   * (a file not wholly written gets no onFile). Absent over HTTP, where every file is its own upload.
   */
  ingestFiles?(
    files: Array<{ name: string; buffer: Buffer }>,
    job: IngestJob,
    onDocument: (file: number, r: IngestResult) => void,
    onFile: (file: number, outcome: FileOutcome) => void,
    stop?: () => boolean,
  ): Promise<void>;
  ingestUrl(url: string, job: IngestJob): Promise<IngestResult>;
  /**
   * In process only: an import expected to write this many chunks may have the vector index dropped and built once at
   * its end (ChunkIndexer.beginBulkImport; null: kept row by row). Absent over HTTP.
   */
  beginBulkImport?(collection: string, expectedChunks: number): Promise<BulkImport | null>;
  /** In process only: the vector indexes found missing and built while the application started (ChunkIndexer.bootRepairs). */
  indexRepairs?(): readonly IndexRepair[];
  close(): Promise<void>;
}

/** The server could not be reached at all (not an answer with an error): the run stops. */
export class ServerUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: string,
  ) {
    super(`cannot reach the acervo server at ${url}: ${cause}`);
    this.name = 'ServerUnreachableError';
  }
}

/** The server answered with an error (problem+json): its code and detail, as a local run would report them. */
export class RemoteProblemError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteProblemError';
  }
}

/**
 * The server refused the caller (401: no key or a wrong one; 403: a key that may not write there). Every other input
 * of the run would be refused the same way (and count toward the server's auth.failures limit): the run stops.
 */
export class CredentialRefusedError extends RemoteProblemError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    /** The server's address (no user info) and the variable the refused key came from, undefined when none was sent. */
    readonly server: string,
    readonly keyFrom: string | undefined,
  ) {
    super(code, message);
    this.name = 'CredentialRefusedError';
  }
}

/** The API key sent in HTTP mode, and the variable it came from (named in output; the key never is). */
export interface ApiCredential {
  key: string;
  from: string;
}

// ---------------------------------------------------------------------------------------------------------------
// In process

/**
 * Boots the application without HTTP (its modules loaded here, lazily: help and HTTP mode never pay for them) and
 * calls the same handlers as the API. Interrupting stops after the batch being written (ingestFiles' `stop`), or
 * after the document in progress (ingestFile: the caller's onDocument throws).
 */
export async function startLocalBackend(config: AppConfig): Promise<IngestBackend> {
  const [{ ConsoleLogger }, { NestFactory }, { AppModule }, ingestion, retrieval, database] = await Promise.all([
    import('@nestjs/common'),
    import('@nestjs/core'),
    import('../app.module'),
    import('../modules/ingestion'),
    import('../modules/retrieval'),
    import('../shared/database'),
  ]);
  let app: INestApplicationContext | undefined;
  try {
    // Silent boot: a boot error is reported by the caller in one line (with the stack at LOG_LEVEL debug or trace),
    // not also as Nest's multi-line exception dump; from then on errors and warnings are logged as usual.
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
      logger: false,
      abortOnError: false,
    });
    await app.init();
    // logger: false removed Nest's global logger: give it a new one (useLogger(levels) would set levels on nothing)
    app.useLogger(new ConsoleLogger({ logLevels: ['error', 'warn'] }));
  } catch (e) {
    await app?.close().catch(() => undefined);
    throw e;
  }
  const context = app;
  // Another ingest run that finds the data dir locked learns it is this one, not a server to send files to.
  context.get<DatabaseState>(database.DATABASE_STATE).embedded?.describeOwner('ingest');
  const files = context.get(ingestion.IngestFilesHandler);
  const urls = context.get(ingestion.IngestUrlHandler);
  const indexer = context.get(retrieval.ChunkIndexer);
  return {
    where: config.database.url ? 'DATABASE_URL' : config.app.dataDir,
    ingestFile: async (file, job, onDocument) => {
      await files.execute(
        {
          collection: job.collection,
          files: [{ buffer: file.buffer, filename: file.name }],
          metadata: job.metadata,
          parseOptions: { csv: job.csv },
        },
        onDocument,
      );
    },
    ingestFiles: async (batch, job, onDocument, onFile, stop) => {
      await files.ingestEach(
        { collection: job.collection, metadata: job.metadata, parseOptions: { csv: job.csv } },
        batch.map((f) => ({ buffer: f.buffer, filename: f.name })),
        { document: onDocument, file: onFile, stop },
      );
    },
    ingestUrl: (url, job) => urls.execute({ url, collection: job.collection, metadata: job.metadata }),
    beginBulkImport: (collection, expectedChunks) => indexer.beginBulkImport(collection, expectedChunks),
    indexRepairs: () => indexer.bootRepairs,
    close: () => context.close(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Over HTTP

interface Answer {
  status: number;
  body: unknown;
}

/**
 * A running acervo server: POST /v1/documents (multipart, one file per request, its relative path as source_id so
 * sources are the same as in process) and POST /v1/documents/url, with the API key (when one is set) as x-api-key.
 * A problem+json answer becomes a RemoteProblemError with the server's code and detail (a CredentialRefusedError on
 * 401/403). No response timeout: a large CSV can take minutes before the server answers.
 */
export class HttpBackend implements IngestBackend {
  private readonly base: URL;
  private readonly agent: HttpAgent;

  constructor(
    url: string,
    readonly where: string,
    private readonly credential?: ApiCredential,
  ) {
    this.base = new URL(url.endsWith('/') ? url : `${url}/`);
    this.agent =
      this.base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true })
        : new HttpAgent({ keepAlive: true });
  }

  /** Checks that an acervo server answers at the URL (GET /health/live) before anything is sent. */
  async connect(): Promise<void> {
    const res = await this.send('GET', 'health/live');
    // the probes need no key, but one that is sent is checked (auth.mode required): a wrong key stops here
    if (res.status === 401 || res.status === 403) this.result(res);
    const status = (res.body as { status?: unknown } | undefined)?.status;
    if (res.status !== 200 || status !== 'ok') {
      throw new ServerUnreachableError(this.server, `GET /health/live answered ${res.status}, not an acervo server`);
    }
  }

  /** The address as said in messages: origin and path, never a user or password. */
  private get server(): string {
    return this.base.origin + this.base.pathname.replace(/\/$/, '');
  }

  async ingestFile(
    file: { name: string; buffer: Buffer },
    job: IngestJob,
    onDocument: (r: IngestResult) => void,
  ): Promise<void> {
    const form = new FormData();
    // The server keeps only the base name of an uploaded file; the relative path goes as the source id.
    form.append('files', new Blob([file.buffer as Buffer<ArrayBuffer>]), basename(file.name));
    form.append('source_id', file.name);
    form.append('collection', job.collection);
    if (Object.keys(job.metadata).length) form.append('metadata', JSON.stringify(job.metadata));
    const csv: Array<[string, string | string[] | undefined]> = [
      ['text_columns', job.csv.textColumns],
      ['title_column', job.csv.titleColumn],
      ['id_column', job.csv.idColumn],
      ['list_columns', job.csv.listColumns],
    ];
    for (const [field, value] of csv)
      if (value?.length) form.append(field, Array.isArray(value) ? value.join(',') : value);
    // Response encodes the form as multipart/form-data (boundary in its Content-Type), as fetch would send it.
    const encoded = new Response(form);
    const body = Buffer.from(await encoded.arrayBuffer());
    const res = await this.send('POST', 'v1/documents', body, encoded.headers.get('content-type')!);
    for (const r of this.result<{ documents: IngestResult[] }>(res).documents) onDocument(r);
  }

  async ingestUrl(url: string, job: IngestJob): Promise<IngestResult> {
    const body = Buffer.from(
      JSON.stringify({
        url,
        collection: job.collection,
        ...(Object.keys(job.metadata).length ? { metadata: job.metadata } : {}),
      }),
    );
    return this.result<IngestResult>(await this.send('POST', 'v1/documents/url', body, 'application/json'));
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private result<T>(res: Answer): T {
    if (res.status >= 200 && res.status < 300) return res.body as T;
    const problem = (res.body ?? {}) as { code?: unknown; detail?: unknown; title?: unknown };
    const detail =
      typeof problem.detail === 'string'
        ? problem.detail
        : typeof problem.title === 'string'
          ? problem.title
          : `HTTP ${res.status}`;
    const code = typeof problem.code === 'string' ? problem.code : `HTTP.${res.status}`;
    if (res.status === 401 || res.status === 403)
      throw new CredentialRefusedError(res.status, code, detail, this.server, this.credential?.from);
    throw new RemoteProblemError(code, detail);
  }

  private send(method: string, path: string, body?: Buffer, contentType?: string): Promise<Answer> {
    const url = new URL(path, this.base);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(this.credential ? { 'x-api-key': this.credential.key } : {}),
            ...(body ? { 'content-type': contentType, 'content-length': body.length } : {}),
          },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new ServerUnreachableError(this.base.origin, e.message)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(new ServerUnreachableError(this.base.origin, e.code ?? e.message)),
      );
      req.end(body);
    });
  }
}
