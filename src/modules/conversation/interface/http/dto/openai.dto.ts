import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDefined, IsIn, IsNumber, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { NfcUserId, USER_ID_PATTERN, USER_ID_RULE } from '../../../../../shared/http';

export class OpenAiMessageDto {
  @ApiProperty({ enum: ['system', 'user', 'assistant', 'tool', 'developer'], example: 'user' })
  @IsIn(['system', 'user', 'assistant', 'tool', 'developer'])
  role!: string;

  @ApiProperty({
    description: 'Text, or an array of content parts (only `text` parts are read). May be null or absent on `assistant` messages that called tools and on `tool` messages (read as no text)',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }],
    nullable: true,
    example: 'Quantos dias de férias posso vender?',
  })
  @ValidateIf((m: OpenAiMessageDto) => m.role !== 'assistant' && m.role !== 'tool')
  @IsDefined()
  content!: unknown;

  @ApiPropertyOptional({ example: 'ana', description: 'Accepted for compatibility' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: 'Accepted for compatibility (tool results a client sends are context only)', example: 'call_1' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  tool_call_id?: string;

  @ApiPropertyOptional({ description: 'Accepted for compatibility', type: 'array', items: { type: 'object' }, example: [] })
  @IsOptional()
  @IsArray()
  tool_calls?: unknown[];
}

class StreamOptionsDto {
  @ApiPropertyOptional({ example: true }) @IsOptional() @IsBoolean() include_usage?: boolean;
}

export class ChatCompletionRequestDto {
  @ApiProperty({ example: 'acervo', description: '`acervo` (the default collection) or `acervo:<collection>`' })
  @IsString()
  @Matches(/^acervo(:[a-z0-9][a-z0-9_-]{0,62})?$/, { message: 'model must be "acervo" or "acervo:<collection>"' })
  model!: string;

  @ApiProperty({ type: [OpenAiMessageDto], example: [{ role: 'user', content: 'Quantos dias de férias posso vender?' }] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => OpenAiMessageDto)
  messages!: OpenAiMessageDto[];

  @ApiPropertyOptional({ example: false }) @IsOptional() @IsBoolean() stream?: boolean;
  @ApiPropertyOptional({ type: StreamOptionsDto, example: { include_usage: true } }) @IsOptional() @ValidateNested() @Type(() => StreamOptionsDto) stream_options?: StreamOptionsDto;

  @ApiPropertyOptional({ example: 'ana@empresa.com.br', description: "The memory's user id: the turn is kept in this user's conversations" })
  @IsOptional()
  @NfcUserId()
  @IsString()
  @Matches(USER_ID_PATTERN, { message: `user must be ${USER_ID_RULE}` })
  user?: string;

  @ApiPropertyOptional({ format: 'uuid', example: '0b9d3c52-6f1e-5a7b-8c2d-3e4f5a6b7c8d', description: "acervo extension: continue this conversation of `user` (an unknown or another user's id is a 404; default: one derived from user, collection and the first message)" })
  @IsOptional()
  @IsUUID('all')
  conversation_id?: string;

  @ApiPropertyOptional({ example: 0.2, description: 'Accepted for compatibility; the active model keeps its own settings' }) @IsOptional() @IsNumber() temperature?: number;
  @ApiPropertyOptional({ example: 512, description: 'Accepted for compatibility' }) @IsOptional() @IsNumber() max_tokens?: number;
  @ApiPropertyOptional({ example: 1, description: 'Accepted for compatibility' }) @IsOptional() @IsNumber() top_p?: number;
  @ApiPropertyOptional({ example: 'low', description: 'Accepted for compatibility' }) @IsOptional() @IsString() @MaxLength(200) reasoning_effort?: string;
}

class CompletionMessageDto {
  @ApiProperty({ example: 'assistant' }) role!: string;
  @ApiProperty({ example: 'O colaborador pode vender até 10 dias de férias. [1]' }) content!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'acervo extension: verified citations of the answer' }) citations!: unknown[];
}

class CompletionChoiceDto {
  @ApiProperty({ example: 0 }) index!: number;
  @ApiProperty({ type: CompletionMessageDto }) message!: CompletionMessageDto;
  @ApiProperty({ enum: ['stop', 'length', 'content_filter'], example: 'stop', description: '`length` / `content_filter`: the model stopped short (its token limit, its content filter); the answer is cut' }) finish_reason!: string;
}

class CompletionUsageDto {
  @ApiProperty() prompt_tokens!: number;
  @ApiProperty() completion_tokens!: number;
  @ApiProperty() total_tokens!: number;
}

export class ChatCompletionDto {
  @ApiProperty({ example: 'chatcmpl-7d1f0c3e' }) id!: string;
  @ApiProperty({ example: 'chat.completion' }) object!: string;
  @ApiProperty({ example: 1764547200 }) created!: number;
  @ApiProperty({ example: 'acervo' }) model!: string;
  @ApiProperty({ type: [CompletionChoiceDto] }) choices!: CompletionChoiceDto[];
  @ApiProperty({ type: CompletionUsageDto }) usage!: CompletionUsageDto;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'acervo extension: conversation_id, rewritten_query, tool_calls, cost_usd, answering model' })
  acervo!: Record<string, unknown>;
}

export class ModelEntryDto {
  @ApiProperty({ example: 'acervo' }) id!: string;
  @ApiProperty({ example: 'model' }) object!: string;
  @ApiProperty({ example: 1764547200 }) created!: number;
  @ApiProperty({ example: 'acervo' }) owned_by!: string;
}

export class ModelListDto {
  @ApiProperty({ example: 'list' }) object!: string;
  @ApiProperty({ type: [ModelEntryDto] }) data!: ModelEntryDto[];
}
