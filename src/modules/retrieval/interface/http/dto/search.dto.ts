import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { COLLECTION_NAME_PATTERN, DEFAULT_COLLECTION } from '../../../domain/collection-name';
import type { MetadataFilter, SearchMode } from '../../../domain/chunk';
import { IsMetadataFilter } from './metadata-filter.validator';

// The request examples find the text of POST /v1/documents' example (and nothing, without error, on an empty database).
export class SearchRequestDto {
  @ApiProperty({ example: 'Qual é o horário de atendimento do suporte?', maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  query!: string;

  @ApiPropertyOptional({
    example: 5,
    minimum: 1,
    description: 'Hits to return: default retrieval.search.defaultTopK (5), at most retrieval.search.maxTopK (100 by default; above it: 400 RETRIEVAL.INVALID_QUERY)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  top_k?: number;

  @ApiPropertyOptional({ enum: ['vector', 'text', 'hybrid'], example: 'hybrid', description: 'Default from config (hybrid)' })
  @IsOptional()
  @IsIn(['vector', 'text', 'hybrid'])
  mode?: SearchMode;

  @ApiPropertyOptional({
    example: 0.2,
    description: 'Drop hits scoring below this: cosine similarity (vector), raw BM25 score (text, unbounded) or RRF normalized so first-in-both = 1.0 (hybrid)',
  })
  @IsOptional()
  @IsNumber()
  min_score?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { equipe: 'suporte', ano: { gte: 2025 } },
    description:
      'Metadata filters, all of which must hold: equality, { "in": [...] } (array-valued metadata matches by element), ' +
      'or a range { "gt"|"gte"|"lt"|"lte": bound } with number bounds (numeric order) or string bounds (code-point order, ' +
      'so ISO-8601 dates compare as dates); a range matches scalar values of its bounds\' type only. ' +
      'On the anime CSV of the README: { "Genres": "Action", "Score": { "gte": 8 }, "MAL_ID": { "in": [1, 5, 6] } }.',
  })
  @IsOptional()
  @IsMetadataFilter()
  filters?: MetadataFilter;

  @ApiPropertyOptional({ example: DEFAULT_COLLECTION, pattern: COLLECTION_NAME_PATTERN.source, description: 'Default: default' })
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_NAME_PATTERN, { message: 'collection must be lowercase letters, digits, - or _ (max 63)' })
  collection?: string;
}

export class SearchRanksDto {
  @ApiProperty({ nullable: true, example: 1, type: Number }) vector!: number | null;
  @ApiProperty({ nullable: true, example: 3, type: Number }) text!: number | null;
}

export class SearchHitDto {
  @ApiProperty({ format: 'uuid' }) document_id!: string;
  @ApiProperty({ format: 'uuid' }) chunk_id!: string;
  @ApiProperty({ example: 'Horário de atendimento do suporte' }) title!: string;
  @ApiProperty({
    example:
      'O horário de atendimento do suporte é de segunda a sexta-feira, das 9h às 18h, pelo chat e pelo e-mail suporte@exemplo.com.br. ' +
      'Fora desse horário, abra um chamado no portal: a equipe responde no próximo dia útil.',
  })
  text!: string;
  @ApiProperty({ example: 1 }) score!: number;
  @ApiProperty({ type: SearchRanksDto }) ranks!: SearchRanksDto;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0.82,
    description: "Share of the query's information (IDF-weighted terms; terms unknown to the collection weigh most) found in this chunk; null when only the vector branch returned it",
  })
  coverage!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { equipe: 'suporte', ano: 2026 } }) metadata!: Record<string, unknown>;
  @ApiProperty({ example: 0, description: 'Start offset of the chunk in the extracted document text' }) start!: number;
  @ApiProperty({ example: 212 }) end!: number;
  @ApiProperty({
    required: false,
    example: 'Horário de atendimento',
    description: 'The heading the chunk starts under (the last heading or FAQ question line a few lines above it); absent when none is near',
  })
  heading?: string;
}

export class SearchTimingsDto {
  @ApiProperty({ example: 0.41 }) embed_ms!: number;
  @ApiProperty({ example: 2.7 }) search_ms!: number;
}

export class SearchResponseDto {
  @ApiProperty({ type: [SearchHitDto] }) hits!: SearchHitDto[];
  @ApiProperty({ enum: ['vector', 'text', 'hybrid'] }) mode!: string;
  @ApiProperty({ example: 'default' }) collection!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'hashing:v1:384',
    description: 'Embedder that embedded the query: the one the collection is built with (null in text mode)',
  })
  embedder!: string | null;
  @ApiProperty({ type: SearchTimingsDto }) timings!: SearchTimingsDto;
}
