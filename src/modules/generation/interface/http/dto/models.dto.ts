import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsNumber, IsOptional, IsString, IsUrl, Max, Min, ValidateNested } from 'class-validator';
import { LLM_PROVIDERS } from '../../../../../shared/config';

export class LlmOptionsDto {
  @ApiPropertyOptional({ example: 'http://localhost:8000/v1' })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  baseUrl?: string;

  @ApiPropertyOptional({ description: 'Never logged or echoed' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  apiKey?: string;

  @ApiPropertyOptional({ example: 0.1 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({ example: 512 })
  @IsOptional()
  @IsNumber()
  @Min(1)
  @Max(32768)
  maxTokens?: number;
}

export class SwapLlmDto {
  @ApiProperty({ enum: LLM_PROVIDERS, example: 'groq' })
  @IsIn([...LLM_PROVIDERS])
  provider!: string;

  @ApiPropertyOptional({ example: 'llama-3.3-70b-versatile' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  model?: string;

  @ApiPropertyOptional({ type: LlmOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LlmOptionsDto)
  options?: LlmOptionsDto;
}
