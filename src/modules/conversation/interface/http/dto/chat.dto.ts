import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { NfcUserId, USER_ID_PATTERN, USER_ID_RULE } from '../../../../../shared/http';
import { COLLECTION_NAME_PATTERN } from '../../../../retrieval';
import { NOT_BLANK } from '../../../domain/message';

const USER_ID_MESSAGE = { message: `user_id must be ${USER_ID_RULE}` };

export class ChatRequestDto {
  @ApiProperty({ example: 'ana@empresa.com.br', pattern: USER_ID_PATTERN.source, description: 'Whose memory this message belongs to' })
  @NfcUserId()
  @IsString()
  @Matches(USER_ID_PATTERN, USER_ID_MESSAGE)
  user_id!: string;

  @ApiProperty({ example: 'Quais foram as vendas do mês passado?', description: 'At most conversation.maxMessageChars (4000) characters' })
  @IsString()
  @IsNotEmpty()
  @Matches(NOT_BLANK, { message: 'message must not be blank' })
  @MaxLength(100000)
  message!: string;

  @ApiPropertyOptional({ format: 'uuid', example: '6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b', description: 'Continue this conversation (omit to start one; an unknown or another user\'s id is a 404)' })
  @IsOptional()
  @IsUUID('all', { message: 'conversation_id must be a UUID' })
  conversation_id?: string;

  @ApiPropertyOptional({ example: 'default', pattern: COLLECTION_NAME_PATTERN.source, description: "Knowledge base collection (default: the conversation's, else default)" })
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_NAME_PATTERN, { message: 'collection must be lowercase letters, digits, - or _ (max 63)' })
  collection?: string;

  @ApiPropertyOptional({ example: false, description: 'Answer as Server-Sent Events: tool_call, token, citation, then done' })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;
}

export class ChatCitationDto {
  @ApiProperty({ example: 1 }) n!: number;
  @ApiProperty({ format: 'uuid' }) document_id!: string;
  @ApiProperty({ example: 'Política de férias' }) title!: string;
  @ApiProperty({ format: 'uuid' }) chunk_id!: string;
  @ApiProperty({ example: 'O colaborador pode vender até 10 dias de férias.' }) quote!: string;
  @ApiProperty({ example: 1 }) score!: number;
  @ApiProperty({ example: 1 }) support!: number;
}

export class ToolCallDto {
  @ApiProperty({ enum: ['knowledge_base_search', 'sales_data', 'market_data'], example: 'sales_data' }) name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { metric: 'revenue', period: 'Quais foram as vendas do mês passado?' } })
  arguments!: Record<string, unknown>;
  @ApiProperty({ example: true }) ok!: boolean;
  @ApiProperty({ example: 4.2 }) ms!: number;
  @ApiPropertyOptional({ example: 'market_data: the quotes service did not answer within 5000 ms' }) error?: string;
  @ApiPropertyOptional({ example: 'sales_words', description: 'The router rule that chose the tool, or `model`' }) chosen_by?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'The period a sales answer covered' }) period?: Record<string, unknown>;
}

export class MemoryMessageDto {
  @ApiProperty({ enum: ['user', 'assistant'] }) role!: string;
  @ApiProperty({ example: 'Quais foram as vendas do mês passado?' }) content!: string;
}

class ChatUsageDto {
  @ApiProperty({ example: 0 }) prompt_tokens!: number;
  @ApiProperty({ example: 0 }) completion_tokens!: number;
}

class ChatTimingsDto {
  @ApiProperty({ example: 0 }) retrieve_ms!: number;
  @ApiProperty({ example: 6.4 }) tool_ms!: number;
  @ApiProperty({ example: 0 }) generate_ms!: number;
  @ApiProperty({ example: 11.9 }) total_ms!: number;
}

class ChatRouteDto {
  @ApiProperty({ enum: ['model', 'rules'], example: 'rules' }) decided_by!: string;
  @ApiProperty({ type: String, nullable: true, example: 'sales_words' }) rule!: string | null;
}

export class ChatResponseDto {
  @ApiProperty({ example: 'Faturamento em outubro de 2026: R$ 2.345.678,90 em 1.024 pedidos (6.530 unidades).' }) response!: string;
  @ApiProperty({ example: 'extractive:extractive-v1' }) model!: string;
  @ApiProperty({ example: 0 }) tokens_used!: number;
  @ApiProperty({ example: 1, description: 'Messages in the context: summary, recent turns, this message' }) context_size!: number;
  @ApiProperty({ example: 9 }) context_tokens!: number;
  @ApiProperty({ type: [MemoryMessageDto], description: 'The turns kept verbatim for this conversation' }) memory!: MemoryMessageDto[];
  @ApiProperty({ format: 'uuid' }) conversation_id!: string;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'The follow-up rewritten as a standalone query (null: it stood alone)' })
  rewritten_query!: string | null;
  @ApiProperty({ type: [ChatCitationDto] }) citations!: ChatCitationDto[];
  @ApiProperty({ type: [ToolCallDto] }) tool_calls!: ToolCallDto[];
  @ApiProperty({ type: ChatRouteDto }) route!: ChatRouteDto;
  @ApiProperty({ type: ChatUsageDto }) usage!: ChatUsageDto;
  @ApiProperty({ type: ChatTimingsDto }) timings!: ChatTimingsDto;
  @ApiProperty({ type: Number, nullable: true, example: 0, description: 'USD from config/pricing.yaml; null when a model has no price' }) cost_usd!: number | null;
  @ApiPropertyOptional({ enum: ['no_evidence', 'model_declined'] }) abstained?: string;
  @ApiPropertyOptional({
    enum: ['length', 'content_filter'],
    description: 'The reply is cut: the model stopped at its token limit (`length`) or its content filter (`content_filter`). Absent when the model finished.',
  })
  truncated?: string;
}

export class UserQueryDto {
  @ApiProperty({ example: 'ana@empresa.com.br', pattern: USER_ID_PATTERN.source })
  @NfcUserId()
  @IsString()
  @Matches(USER_ID_PATTERN, USER_ID_MESSAGE)
  user_id!: string;
}

export class ListConversationsQueryDto extends UserQueryDto {
  @ApiPropertyOptional({ example: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: 100000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100000)
  offset?: number;
}

export class ConversationItemDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ana@empresa.com.br' }) user_id!: string;
  @ApiProperty({ example: 'Quais foram as vendas do mês passado?' }) title!: string;
  @ApiProperty({ example: 'default' }) collection!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ example: 4 }) message_count!: number;
}

export class ConversationListDto {
  @ApiProperty({ type: [ConversationItemDto] }) items!: ConversationItemDto[];
  @ApiProperty({ example: 1 }) total!: number;
  @ApiProperty({ example: 20 }) limit!: number;
  @ApiProperty({ example: 0 }) offset!: number;
}

export class StoredMessageDto {
  @ApiProperty({ enum: ['user', 'assistant'] }) role!: string;
  @ApiProperty() content!: string;
  @ApiProperty({ type: [ChatCitationDto] }) citations!: ChatCitationDto[];
  @ApiProperty({ type: [ToolCallDto] }) tool_calls!: ToolCallDto[];
  @ApiProperty({ type: String, nullable: true }) rewritten_query!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'extractive:extractive-v1' }) model!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class ConversationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() user_id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() collection!: string;
  @ApiProperty({ description: 'Rolling summary of the turns older than the memory window' }) summary!: string;
  @ApiProperty({ example: 0 }) summarized_count!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: [StoredMessageDto] }) messages!: StoredMessageDto[];
}

export class ForgetResultDto {
  @ApiProperty() user_id!: string;
  @ApiProperty({ example: 3 }) conversations_deleted!: number;
}
