import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { COLLECTION_NAME_PATTERN, DEFAULT_COLLECTION, IsMetadataFilter } from '../../../../retrieval';
import type { MetadataFilter } from '../../../../retrieval';

// The request example asks about the text of POST /v1/documents' example (on an empty database: the refusal, 200).
export class AskRequestDto {
  @ApiProperty({ example: 'Qual é o horário de atendimento do suporte?', maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  question!: string;

  @ApiPropertyOptional({ example: DEFAULT_COLLECTION, pattern: COLLECTION_NAME_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_NAME_PATTERN, { message: 'collection must be lowercase letters, digits, - or _ (max 63)' })
  collection?: string;

  @ApiPropertyOptional({ example: 6, minimum: 1, maximum: 50, description: 'Passages retrieved before packing (default generation.ask.topK)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  top_k?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { equipe: 'suporte' },
    description: 'Metadata filters, as in POST /v1/search: equality, { "in": [...] } or a range { "gte": 2024, "lt": 2026 }.',
  })
  @IsOptional()
  @IsMetadataFilter()
  filters?: MetadataFilter;

  @ApiPropertyOptional({ example: false, description: 'Answer as Server-Sent Events: token deltas, citation events, then done' })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;
}

export class CitationDto {
  @ApiProperty({ example: 1 }) n!: number;
  @ApiProperty({ format: 'uuid' }) document_id!: string;
  @ApiProperty({ example: 'Horário de atendimento do suporte' }) title!: string;
  @ApiProperty({ format: 'uuid' }) chunk_id!: string;
  @ApiProperty({
    example: 'O horário de atendimento do suporte é de segunda a sexta-feira, das 9h às 18h, pelo chat e pelo e-mail suporte@exemplo.com.br.',
  })
  quote!: string;
  @ApiProperty({ example: 1, description: 'Retrieval score of the passage' }) score!: number;
  @ApiProperty({ example: 1, description: 'Lexical support of the citing sentence by the passage (0..1)' }) support!: number;
}

export class UsageDto {
  @ApiProperty({ example: 412 }) prompt_tokens!: number;
  @ApiProperty({ example: 38 }) completion_tokens!: number;
  @ApiProperty({ example: 450 }) total_tokens!: number;
}

export class AskTimingsDto {
  @ApiProperty({ example: 0.4 }) embed_ms!: number;
  @ApiProperty({ example: 6.1 }) search_ms!: number;
  @ApiProperty({ example: 812.5 }) generate_ms!: number;
  @ApiProperty({ example: 825.3 }) total_ms!: number;
}

export class AskResponseDto {
  @ApiProperty({
    example: 'O horário de atendimento do suporte é de segunda a sexta-feira, das 9h às 18h, pelo chat e pelo e-mail suporte@exemplo.com.br. [1]',
  })
  answer!: string;
  @ApiProperty({ type: [CitationDto] }) citations!: CitationDto[];
  @ApiProperty({ example: 'extractive:extractive-v1' }) model!: string;
  @ApiProperty({ type: UsageDto }) usage!: UsageDto;
  @ApiProperty({ type: AskTimingsDto }) timings!: AskTimingsDto;
  @ApiProperty({ description: 'At least one verified citation supports the answer' }) grounded!: boolean;
  @ApiProperty({ description: 'No citation had to be dropped by verification' }) citations_verified!: boolean;
  @ApiProperty({ example: 0 }) citations_dropped!: number;
  @ApiPropertyOptional({ enum: ['no_evidence', 'model_declined'] }) abstained?: string;
  @ApiProperty({ example: 0.83, description: "Share of the question's information found in the best passage" }) evidence!: number;
  @ApiPropertyOptional({
    enum: ['length', 'content_filter'],
    description: 'The answer is cut: the model stopped at its token limit (`length`) or its content filter (`content_filter`). Absent when the model finished. A cut answer is not cached.',
  })
  truncated?: string;
  @ApiProperty({
    enum: ['hit', 'miss', 'semantic'],
    example: 'miss',
    description:
      'Response cache: `hit` (the same normalized question, collection, filters, top_k, model and corpus version was answered before), ' +
      '`semantic` (a close paraphrase was, with `cache.semantic.enabled`), `miss` (computed now). A cached answer reports this ' +
      "request's timings and zero usage (no model was called).",
  })
  cache!: string;
}
