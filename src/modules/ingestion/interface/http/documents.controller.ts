import {
  Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UnsupportedMediaTypeException, UploadedFiles, UseInterceptors,
} from '@nestjs/common';
import { AnyFilesInterceptor } from '@nestjs/platform-express';
import { ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CollectionAccessInterceptor } from '../../../access';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { AcceptsMultipart, ApiProblems, clientAbortSignal, jsonInputProblem, JsonInputLimits } from '../../../../shared/http';
import { PROTO_KEY_MESSAGE, protoKeyPath, validateDto, validationFailed } from '../../../../shared/errors';
import { withoutNul } from '../../../../shared/text/nul';
import { COLLECTION_NAME_PATTERN, DEFAULT_COLLECTION, metadataFilterProblem } from '../../../retrieval';
import type { MetadataFilter } from '../../../retrieval';
import { DocumentsHandler } from '../../application/documents/document-queries.handler';
import { IngestResult } from '../../application/ingest/ingest.command';
import { IngestTextHandler } from '../../application/ingest/ingest-text.handler';
import { IngestUrlHandler } from '../../application/ingest/ingest-url.handler';
import { IngestJobsService, IngestMode } from '../../application/jobs/ingest-jobs.service';
import { Job } from '../../domain/job';
import { KnowledgeDocument } from '../../domain/document';
import { InvalidIngestionRequestError, MetadataTooLargeError } from '../../domain/ingestion.errors';
import {
  CreateDocumentDto, DocumentDto, DocumentListDto, INGEST_EXAMPLES, IngestResultDto, IngestUrlDto, ListDocumentsQueryDto, UPLOAD_FORM_SCHEMA,
  UploadResultDto,
} from './dto/documents.dto';
import {
  CREATE_DOCUMENT_PROBLEMS, DELETE_DOCUMENT_PROBLEMS, GET_DOCUMENT_PROBLEMS, INGEST_URL_PROBLEMS, LIST_DOCUMENTS_PROBLEMS,
} from './documents.problems';
import { JobAcceptedDto } from './dto/jobs.dto';
import { jobLocation } from './jobs.controller';
import { ASYNC_QUERY_PROBLEM } from './jobs.problems';
import { UploadLimitsInterceptor } from './upload-limits.interceptor';
import { uuidParam } from './uuid-param';
import { Audited } from '../../../../shared/audit';

const UPLOAD_FIELDS = ['collection', 'metadata', 'source_id', 'text_columns', 'title_column', 'id_column', 'list_columns'];

const ASYNC_QUERY = {
  name: 'async',
  required: false,
  enum: ['true', 'false'],
  description:
    'true: always a background job (202). false: in the request, up to the hard limits. Absent: a job past ingestion.async.thresholdBytes ' +
    'or thresholdRecords.',
};

@ApiTags('documents')
@ApiExtraModels(CreateDocumentDto, IngestResultDto, UploadResultDto, JobAcceptedDto)
@Controller({ path: 'documents', version: '1' })
export class DocumentsController {
  constructor(
    private readonly ingestText: IngestTextHandler,
    private readonly ingestUrl: IngestUrlHandler,
    private readonly jobs: IngestJobsService,
    private readonly documents: DocumentsHandler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @AcceptsMultipart()
  // The access check runs again once multer has parsed the form's collection field.
  @UseInterceptors(UploadLimitsInterceptor, AnyFilesInterceptor(), CollectionAccessInterceptor)
  @ApiOperation({
    summary: 'Ingest documents (JSON text, or one or many uploaded files)',
    description:
      'JSON `{title, text, metadata?, collection?, source_id?}` or multipart/form-data with `files` (.txt .md .html .pdf .docx .json .csv) ' +
      'and optional fields collection, metadata (JSON), source_id (single file), text_columns / title_column / id_column / list_columns (CSV, comma-separated). ' +
      'The same content again returns the existing document (200, deduplicated). The same source with new content replaces it atomically. ' +
      'A deduplicated document stores nothing of its own: its title and metadata are dropped, and its text goes when the document it was ' +
      'deduplicated to is replaced or deleted (send it again then). ' +
      'Big inputs become a background job answered 202 with its id and a Location to follow (GET /v1/jobs/{id}): uploads past ' +
      'ingestion.async.thresholdBytes (4 MiB) or holding more than ingestion.async.thresholdRecords (500) documents (CSV rows, JSON records), ' +
      'and a JSON text past thresholdBytes; `?async=true` always queues, `?async=false` keeps the request synchronous up to the hard limits.',
    // One schema per media type (@ApiBody would put the same schema under both): Swagger UI shows the JSON
    // example under application/json and a form with a file picker under multipart/form-data.
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(CreateDocumentDto) } },
        'multipart/form-data': { schema: UPLOAD_FORM_SCHEMA },
      },
    },
  })
  @ApiResponse({
    status: 201,
    description: 'Created: a JSON text answers IngestResultDto, an upload UploadResultDto (201 when at least one file was new)',
    content: {
      'application/json': {
        schema: { oneOf: [{ $ref: getSchemaPath(IngestResultDto) }, { $ref: getSchemaPath(UploadResultDto) }] },
        examples: {
          json: { summary: 'JSON text', value: INGEST_EXAMPLES.created },
          upload: { summary: 'multipart upload', value: INGEST_EXAMPLES.uploaded },
        },
      },
    },
  })
  @ApiResponse({
    status: 200,
    description: 'Deduplicated: the same content already existed, nothing was written (an upload: every file)',
    content: {
      'application/json': {
        schema: { oneOf: [{ $ref: getSchemaPath(IngestResultDto) }, { $ref: getSchemaPath(UploadResultDto) }] },
        examples: { json: { summary: 'JSON text sent again', value: INGEST_EXAMPLES.deduplicated } },
      },
    },
  })
  @ApiResponse({ status: 202, description: 'Accepted: queued as a background job; follow it at `status_url` (the Location header)', type: JobAcceptedDto })
  @ApiQuery(ASYNC_QUERY)
  @ApiProblems(...CREATE_DOCUMENT_PROBLEMS, ASYNC_QUERY_PROBLEM)
  async create(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @UploadedFiles() files: Express.Multer.File[] | undefined,
    @Query() query: Record<string, unknown>,
  ): Promise<IngestResultDto | UploadResultDto | JobAcceptedDto> {
    const mode = ingestMode(query);
    if (req.is('multipart/form-data')) return this.upload(req, res, files ?? [], mode);
    if (!req.is('application/json')) {
      throw new UnsupportedMediaTypeException({
        message: 'Send application/json ({title, text}) or multipart/form-data with files.',
        code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      });
    }
    const dto = await validated(CreateDocumentDto, req.body);
    this.metadataWithinLimit(dto.metadata);
    const cmd = {
      collection: dto.collection ?? DEFAULT_COLLECTION,
      title: dto.title,
      text: dto.text,
      metadata: dto.metadata,
      sourceId: dto.source_id,
      sourceType: 'json' as const,
      mimeType: 'text/plain',
    };
    if (mode === 'async' || (mode === 'auto' && Buffer.byteLength(dto.text, 'utf8') > this.config.ingestion.async.thresholdBytes)) {
      return accepted(res, await this.jobs.submitText(cmd));
    }
    const result = await this.ingestText.execute(cmd);
    res.status(result.deduplicated ? 200 : 201);
    return result;
  }

  /** Metadata is stored with the document and each of its chunks, and answered in lists and hits: bounded per request. */
  private metadataWithinLimit<T extends Record<string, unknown> | undefined>(metadata: T): T {
    const max = this.config.ingestion.maxMetadataBytes;
    const bytes = metadata === undefined ? 0 : Buffer.byteLength(JSON.stringify(metadata), 'utf8');
    if (bytes > max) throw new MetadataTooLargeError(max, bytes);
    return metadata;
  }

  private async upload(req: Request, res: Response, files: Express.Multer.File[], mode: IngestMode): Promise<UploadResultDto | JobAcceptedDto> {
    // A multipart type the form parser would not read (an empty boundary=) leaves no body at all.
    const fields = req.body as Record<string, string> | undefined;
    if (!fields) throw new InvalidIngestionRequestError('files', 'the multipart/form-data body could not be read (its boundary parameter is missing or empty)');
    for (const key of Object.keys(fields)) {
      if (!UPLOAD_FIELDS.includes(key)) throw new InvalidIngestionRequestError(key, `unknown field (allowed: files, ${UPLOAD_FIELDS.join(', ')})`);
    }
    const uploads = files.filter((f) => f.fieldname === 'files' || f.fieldname === 'file');
    if (uploads.length === 0) throw new InvalidIngestionRequestError('files', 'attach at least one file in the "files" field');
    if (uploads.length > this.config.ingestion.maxFilesPerRequest) {
      throw new InvalidIngestionRequestError('files', `at most ${this.config.ingestion.maxFilesPerRequest} files per request`);
    }
    // in NFC, as the ingestion stores source ids: a name sent decomposed (macOS) is the same file as its composed form
    const names = uploads.map((f) => Buffer.from(f.originalname, 'latin1').toString('utf8').normalize('NFC'));
    // a file's name is its documents' source id: a second file of that name would replace the first, or remove its rows
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new InvalidIngestionRequestError('files', `"${twice.slice(0, 120)}" is attached twice: each file of a request needs a name of its own`);
    const collection = fields.collection || DEFAULT_COLLECTION;
    if (!COLLECTION_NAME_PATTERN.test(collection)) throw new InvalidIngestionRequestError('collection', 'lowercase letters, digits, - or _ (max 63)');
    if (fields.source_id && uploads.length > 1) throw new InvalidIngestionRequestError('source_id', 'only allowed with a single file');
    const list = (v?: string) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
    // a client that closes its connection before the answer leaves nobody to parse its files for
    const gone = clientAbortSignal(res);
    const outcome = await this.jobs.upload(
      {
        collection,
        files: uploads.map((f, i) => ({ buffer: f.buffer, filename: names[i], mimeType: f.mimetype })),
        metadata: this.metadataWithinLimit(parseJsonObject('metadata', fields.metadata, this.config.http.json)),
        sourceId: fields.source_id || undefined,
        parseOptions: {
          csv: { textColumns: list(fields.text_columns), titleColumn: fields.title_column, idColumn: fields.id_column, listColumns: list(fields.list_columns) },
        },
      },
      mode,
      gone,
    );
    if ('job' in outcome) return accepted(res, outcome.job);
    res.status(outcome.documents.some((r) => !r.deduplicated) ? 201 : 200);
    return outcome.removed ? { documents: outcome.documents, removed: outcome.removed } : { documents: outcome.documents };
  }

  @Post('url')
  @ApiOperation({
    summary: 'Ingest a web page',
    description:
      'Fetches the page (http/https only; private and loopback addresses refused unless allowed in config), keeps its main text with Readability, ' +
      'and ingests it with the URL as source id. `?async=true` queues it as a background job (202; fetch errors then end the job failed).',
  })
  @ApiResponse({ status: 201, type: IngestResultDto })
  @ApiResponse({ status: 200, description: 'Deduplicated', type: IngestResultDto })
  @ApiResponse({ status: 202, description: 'Accepted (?async=true): queued as a background job; follow it at `status_url`', type: JobAcceptedDto })
  @ApiQuery({ ...ASYNC_QUERY, description: 'true: fetch and ingest in a background job (202). Default: in the request.' })
  @ApiProblems(...INGEST_URL_PROBLEMS)
  async fromUrl(@Body() dto: IngestUrlDto, @Res({ passthrough: true }) res: Response, @Query() query: Record<string, unknown>): Promise<IngestResultDto | JobAcceptedDto> {
    const mode = ingestMode(query);
    const cmd = { url: dto.url, collection: dto.collection ?? DEFAULT_COLLECTION, title: dto.title, metadata: this.metadataWithinLimit(dto.metadata) };
    if (mode === 'async') return accepted(res, await this.jobs.submitUrl(cmd));
    const result: IngestResult = await this.ingestUrl.execute(cmd);
    res.status(result.deduplicated ? 200 : 201);
    return result;
  }

  @Get()
  @ApiOperation({ summary: 'List documents (newest first), optionally by collection and metadata' })
  @ApiOkResponse({ type: DocumentListDto })
  @ApiProblems(...LIST_DOCUMENTS_PROBLEMS)
  async list(@Query() q: ListDocumentsQueryDto): Promise<DocumentListDto> {
    const limit = q.limit ?? 20;
    const offset = q.offset ?? 0;
    const { items, total } = await this.documents.list({ collection: q.collection, metadata: parseMetadataFilter(q.metadata, this.config), limit, offset });
    return { items: items.map(toDto), total, limit, offset };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a document with its chunk count' })
  @ApiOkResponse({ type: DocumentDto })
  @ApiProblems(...GET_DOCUMENT_PROBLEMS)
  async get(@Param('id', uuidParam()) id: string): Promise<DocumentDto> {
    return toDto(await this.documents.get(id));
  }

  @Delete(':id')
  @HttpCode(204)
  @Audited('document.delete')
  @ApiOperation({ summary: 'Delete a document and its chunks' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(...DELETE_DOCUMENT_PROBLEMS)
  async remove(@Param('id', uuidParam()) id: string): Promise<void> {
    await this.documents.delete(id);
  }
}

/**
 * The ingest routes' query string: `async` only. Anything else is refused (`?collection=rh` was ignored and the
 * document stored in default).
 */
function ingestMode(query: Record<string, unknown>): IngestMode {
  const unknown = Object.keys(query).find((k) => k !== 'async');
  if (unknown !== undefined) throw new InvalidIngestionRequestError(unknown, 'is not a query parameter of this route (send it in the body or form; only async goes in the query)');
  const raw = query.async;
  if (raw === undefined) return 'auto';
  if (raw === 'true') return 'async';
  if (raw === 'false') return 'sync';
  throw new InvalidIngestionRequestError('async', 'must be true or false');
}

/** 202 with the job's id and where to follow it. */
function accepted(res: Response, job: Job): JobAcceptedDto {
  const location = jobLocation(job);
  res.status(202).setHeader('Location', location);
  return { job_id: job.id, state: job.state, status_url: location };
}

/**
 * A JSON object carried in a form field or query parameter: the rules of a JSON body apply to it (http.json, and a
 * `__proto__` key anywhere is the JSON route's 400 REQUEST.VALIDATION naming it).
 */
function parseJsonObject(field: string, raw: string | undefined, limits: JsonInputLimits): Record<string, unknown> | undefined {
  if (raw === undefined || raw === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    v = undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidIngestionRequestError(field, 'must be a JSON object');
  const problem = jsonInputProblem(v, limits, field);
  if (problem) throw problem;
  const proto = protoKeyPath(v, field);
  if (proto) throw validationFailed([{ field: proto, message: PROTO_KEY_MESSAGE }]);
  return v as Record<string, unknown>;
}

function parseMetadataFilter(raw: string | undefined, config: AppConfig): MetadataFilter | undefined {
  const value = withoutNul(parseJsonObject('metadata', raw, config.http.json));
  if (value === undefined) return undefined;
  // the validator of search and ask filters, with the same limits (retrieval.filters)
  const problem = metadataFilterProblem(value, config.retrieval.filters, 'metadata');
  if (!problem) return value as MetadataFilter;
  throw new InvalidIngestionRequestError('metadata', problem.replace(/^metadata map/, 'must be a JSON object mapping'));
}

function validated<T extends object>(cls: new () => T, body: unknown): Promise<T> {
  return validateDto(cls, body ?? {}, { allowUnknown: false });
}

function toDto(d: KnowledgeDocument): DocumentDto {
  return {
    id: d.id,
    collection: d.collection,
    source_id: d.sourceId,
    source_type: d.sourceType,
    title: d.title,
    content_hash: d.contentHash,
    mime_type: d.mimeType,
    size_bytes: d.sizeBytes,
    char_count: d.charCount,
    chunk_count: d.chunkCount,
    metadata: d.metadata,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}
