import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { COLLECTION_NAME_PATTERN, DEFAULT_COLLECTION } from '../../../../retrieval';

const COLLECTION_MESSAGE = 'collection must be lowercase letters, digits, - or _ (max 63)';

export class CreateDocumentDto {
  @ApiProperty({ example: 'Política de reembolso', maxLength: 500 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  title!: string;

  @ApiProperty({ example: 'Para pedir reembolso, abra um ticket no Jira com a tag #financeiro e anexe os comprovantes.' })
  @IsString()
  @IsNotEmpty()
  text!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { team: 'financeiro', year: 2026 } })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ example: DEFAULT_COLLECTION, pattern: COLLECTION_NAME_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_NAME_PATTERN, { message: COLLECTION_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({
    example: 'wiki/financeiro/reembolso',
    description: 'Stable identity of the source: sending the same source_id with new text replaces the document atomically',
    maxLength: 1000,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
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

  @ApiPropertyOptional({ description: 'Overrides the page title' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  title?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class ListDocumentsQueryDto {
  @ApiPropertyOptional({ example: DEFAULT_COLLECTION })
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_NAME_PATTERN, { message: COLLECTION_MESSAGE })
  collection?: string;

  @ApiPropertyOptional({
    description:
      'JSON object of metadata filters, the grammar of POST /v1/search `filters`: equality (array-valued metadata by element), ' +
      '{"in": [...]}, or a range {"gte": 8, "lt": 9}',
    example: '{"team":"financeiro"}',
  })
  @IsOptional()
  @IsString()
  metadata?: string;

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

export class IngestResultDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Política de reembolso' }) title!: string;
  @ApiProperty({ description: 'The same content was already stored: nothing was written', example: false }) deduplicated!: boolean;
  @ApiProperty({ description: 'An earlier version of the same source was replaced atomically', example: false }) replaced!: boolean;
  @ApiProperty({ example: 3 }) chunks!: number;
}

export class UploadResultDto {
  @ApiProperty({ type: [IngestResultDto] }) documents!: IngestResultDto[];
}

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
