import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { EMBEDDER_PROVIDERS } from '../../../../../shared/config';
import { COLLECTION_NAME_PATTERN } from '../../../domain/collection-name';

export class ChangeEmbedderDto {
  @ApiProperty({ enum: EMBEDDER_PROVIDERS, example: 'hashing' })
  @IsString()
  @IsIn(EMBEDDER_PROVIDERS, { message: `provider must be one of: ${EMBEDDER_PROVIDERS.join(', ')}` })
  provider!: string;

  @ApiPropertyOptional({
    example: 'Xenova/multilingual-e5-small',
    description: "The provider's model (transformers, openai, ollama); default from retrieval.embedder.<provider>.model",
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  model?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { dimension: 256 },
    description:
      'Provider options over retrieval.embedder.<provider> from the config. hashing: dimension; transformers: localOnly, queryPrefix, ' +
      'documentPrefix; openai: baseUrl, apiKey, dimension, timeoutMs, maxRetries; ollama: baseUrl, dimension, timeoutMs.',
  })
  @IsOptional()
  @IsObject()
  options?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: [String],
    example: ['default'],
    description: 'Collections to re-index onto the new embedder (default: every collection). The others stay on their embedder.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @Matches(COLLECTION_NAME_PATTERN, { each: true, message: 'each collection must be lowercase letters, digits, - or _ (max 63)' })
  collections?: string[];
}

export class EmbedderInfoDto {
  @ApiProperty({ example: 'hashing' }) provider!: string;
  @ApiProperty({ example: 'hashing:v1:256', description: 'Recorded per collection; vectors of different model ids never mix' }) model_id!: string;
  @ApiProperty({ example: 256 }) dimension!: number;
  @ApiProperty({ enum: ['lexical', 'semantic'] }) kind!: string;
  @ApiProperty({ example: 'Feature hashing of accent-folded Portuguese words ...' }) description!: string;
  @ApiProperty({ example: true, description: 'The model is loaded / the provider answered' }) ready!: boolean;
  @ApiProperty({ example: '2026-01-15T10:00:00.000Z' }) loaded_at!: string;
  @ApiProperty({ example: true, description: 'New collections are built with it' }) active!: boolean;
}

export class ReindexJobDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'default' }) collection!: string;
  @ApiProperty({ example: 'hashing:v1:384', description: 'Embedder the collection used when the job started' }) from!: string;
  @ApiProperty({ example: 384 }) from_dimension!: number;
  @ApiProperty({ example: 'hashing:v1:256' }) to!: string;
  @ApiProperty({ example: 256 }) to_dimension!: number;
  @ApiProperty({
    enum: ['queued', 'running', 'completed', 'failed'],
    description: 'Until completed, the collection is searched and extended with its old embedder; failed leaves it there.',
  })
  status!: string;
  @ApiProperty({ example: 1200, description: 'Chunks to embed (grows with chunks written during the job; equals done once completed)' }) total!: number;
  @ApiProperty({ example: 640 }) done!: number;
  @ApiProperty({ example: '2026-01-15T10:00:00.000Z' }) started_at!: string;
  @ApiPropertyOptional({ example: '2026-01-15T10:00:42.000Z', description: 'For a completed job, when the cutover committed' }) finished_at?: string;
  @ApiPropertyOptional({ example: 'Embedder "ollama" is unavailable: cannot connect to http://localhost:11434 (ECONNREFUSED)' }) error?: string;
}

export class ChangeEmbedderResponseDto {
  @ApiProperty({ type: EmbedderInfoDto }) embedder!: EmbedderInfoDto;
  @ApiProperty({ type: [ReindexJobDto], description: 'One re-index job per collection on another embedder' }) jobs!: ReindexJobDto[];
}

export class CollectionEmbedderDto {
  @ApiProperty({ example: 'default' }) name!: string;
  @ApiProperty({ example: 'hashing:v1:384' }) embedder_id!: string;
  @ApiProperty({ example: 384 }) dimension!: number;
}

export class EmbedderStatusDto {
  @ApiProperty({ type: EmbedderInfoDto }) active!: EmbedderInfoDto;
  @ApiProperty({ type: [EmbedderInfoDto], description: 'Embedders held in memory: the active one and those a collection still uses' })
  loaded!: EmbedderInfoDto[];
  @ApiProperty({ type: [CollectionEmbedderDto] }) collections!: CollectionEmbedderDto[];
}

export class ReindexJobListDto {
  @ApiProperty({ type: [ReindexJobDto], description: 'Newest first; kept in memory only' }) items!: ReindexJobDto[];
}
