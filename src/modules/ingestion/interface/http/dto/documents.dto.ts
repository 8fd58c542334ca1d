import { ApiProperty, ApiPropertyOptional, type SchemaObject } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { COLLECTION_NAME_PATTERN, DEFAULT_COLLECTION } from '../../../../retrieval';
import { MAX_SOURCE_ID_CHARS, MAX_TITLE_CHARS } from '../../../domain/document';

const COLLECTION_MESSAGE = 'collection must be lowercase letters, digits, - or _ (max 63)';

// Swagger examples work on an empty database and follow one another: this text is what the search and ask
// examples find. Their source ids start with `swagger-` so they never meet the README's documents.
export class CreateDocumentDto {
  @ApiProperty({ example: 'Horário de atendimento do suporte', maxLength: 500 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_TITLE_CHARS)
  title!: string;

  @ApiProperty({
    example:
      'O horário de atendimento do suporte é de segunda a sexta-feira, das 9h às 18h, pelo chat e pelo e-mail suporte@exemplo.com.br. ' +
      'Fora desse horário, abra um chamado no portal: a equipe responde no próximo dia útil.',
  })
  @IsString()
  @IsNotEmpty()
  text!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { equipe: 'suporte', ano: 2026 },
    description: 'Stored with the document and its chunks; filterable in search, ask and the document list',
  })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ example: DEFAULT_COLLECTION, pattern: COLLECTION_NAME_PATTERN.source, description: 'Default: default' })
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_NAME_PATTERN, { message: COLLECTION_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({
    example: 'swagger-exemplo-atendimento-suporte',
    description:
      'Stable identity of the source: sending the same source_id with new text replaces the document atomically (default: the hash of the text)',
    maxLength: 1000,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_SOURCE_ID_CHARS)
  source_id?: string;
}

export class IngestUrlDto {
  @ApiProperty({ example: 'https://pt.wikipedia.org/wiki/Recupera%C3%A7%C3%A3o_de_informa%C3%A7%C3%A3o' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'url must be an http(s) URL' })
  url!: string;

  @ApiPropertyOptional({ example: DEFAULT_COLLECTION })
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_NAME_PATTERN, { message: COLLECTION_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({ example: 'Recuperação de informação (Wikipédia)', description: "Overrides the page's own title" })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TITLE_CHARS)
  title?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { origem: 'wikipedia' } })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

/** limit and offset of a listing (documents, jobs). */
export class PageQueryDto {
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: 2147483647 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(2147483647) // a Postgres integer; 1e20 passed IsInt and failed in SQL (bigint out of range)
  offset?: number;
}

export class ListDocumentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: DEFAULT_COLLECTION })
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_NAME_PATTERN, { message: COLLECTION_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({
    description:
      'JSON object of metadata filters, the grammar of POST /v1/search `filters`: equality (array-valued metadata by element), ' +
      '{"in": [...]}, or a range {"gte": 8, "lt": 9}',
    example: '{"equipe":"suporte"}',
  })
  @IsOptional()
  @IsString()
  metadata?: string;
}

export class IngestResultDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Horário de atendimento do suporte' }) title!: string;
  @ApiProperty({ description: 'The same content was already stored: nothing was written', example: false }) deduplicated!: boolean;
  @ApiProperty({ description: 'An earlier version of the same source was replaced atomically', example: false }) replaced!: boolean;
  @ApiProperty({ example: 3 }) chunks!: number;
}

export class RemovedDocumentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Qual o ramal do TI?' }) title!: string;
}

export class UploadResultDto {
  @ApiProperty({ type: [IngestResultDto] }) documents!: IngestResultDto[];
  @ApiPropertyOptional({
    type: [RemovedDocumentDto],
    description:
      'Present when a CSV or JSON array file replaced an earlier version: the documents (rows, records) of that version the new one no longer has, deleted with their chunks',
  })
  removed?: RemovedDocumentDto[];
}

/** POST /v1/documents as multipart/form-data: the controller reads the form itself; this documents it for Swagger. */
export const UPLOAD_FORM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['files'],
  properties: {
    files: {
      type: 'array',
      items: { type: 'string', format: 'binary' },
      description:
        'One or more files: .txt .md .markdown .html .htm .pdf .docx .json .csv; at most ingestion.maxFilesPerRequest (20), ' +
        'each at most ingestion.maxFileBytes (20 MiB)',
    },
    collection: { type: 'string', pattern: COLLECTION_NAME_PATTERN.source, example: DEFAULT_COLLECTION, description: 'Default: default' },
    metadata: {
      type: 'string',
      example: '{"equipe":"suporte"}',
      description: 'A JSON object stored with every document of the request (filterable)',
    },
    source_id: {
      type: 'string',
      maxLength: 1000,
      description: 'Single file only: the stable identity of the source (default: the file name); new content under it replaces the document',
    },
    text_columns: { type: 'string', description: 'CSV: comma-separated columns to index, e.g. `Synopsis` (default: the columns of long text)' },
    title_column: { type: 'string', description: 'CSV: the title column, e.g. `Name` (default: detected)' },
    id_column: { type: 'string', description: 'CSV: the row id column, e.g. `MAL_ID` (default: the first column)' },
    list_columns: {
      type: 'string',
      description: 'CSV: comma-separated columns split into arrays, e.g. `Genres` (default: columns that look like tag lists)',
    },
  },
};

export class DocumentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() collection!: string;
  @ApiProperty() source_id!: string;
  @ApiProperty({ enum: ['upload', 'json', 'url'] }) source_type!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'SHA-256 of the normalized text' }) content_hash!: string;
  @ApiProperty() mime_type!: string;
  @ApiProperty() size_bytes!: number;
  @ApiProperty() char_count!: number;
  @ApiProperty() chunk_count!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;
}

export class DocumentListDto {
  @ApiProperty({ type: [DocumentDto] }) items!: DocumentDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

/** Success bodies of POST /v1/documents for Swagger, copied from a running acervo fed the request examples. */
export const INGEST_EXAMPLES = {
  created: { id: 'f362737f-ac44-4eb9-8656-eb4e123267e1', title: 'Horário de atendimento do suporte', deduplicated: false, replaced: false, chunks: 1 },
  uploaded: {
    documents: [
      { id: '12d548ef-1fc1-4013-b94b-5cdf3ac44ca9', title: 'Férias', deduplicated: false, replaced: false, chunks: 1 },
      { id: 'f9a7877b-a5ba-4964-acd6-d011d1ebc142', title: 'Como troco a senha?', deduplicated: false, replaced: false, chunks: 1 },
    ],
  },
  deduplicated: { id: 'f362737f-ac44-4eb9-8656-eb4e123267e1', title: 'Horário de atendimento do suporte', deduplicated: true, replaced: false, chunks: 1 },
} satisfies Record<string, IngestResultDto | UploadResultDto>;
