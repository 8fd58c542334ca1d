import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { AdminKeyGuard } from '../http/admin-key.guard';
import { ApiProblems } from '../http/problem.dto';
import { AUDIT_PROBLEMS } from './audit.problems';
import { AuditRecorder } from './audit.recorder';

export class AuditQueryDto {
  @ApiPropertyOptional({ example: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: 1000000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000000)
  offset?: number;

  @ApiPropertyOptional({ example: 'model.llm.swap', description: 'Only this action' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_.-]{0,63}$/, { message: 'action must be a dotted lower-case name such as model.llm.swap' })
  action?: string;
}

class AuditRowDto {
  @ApiProperty({ example: 12 }) id!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'key:3f9a1c0b7d2e', description: '`key:<fingerprint>` (SHA-256 prefix of the key, never the key), `user:<id>` or `anonymous`' })
  actor!: string;
  @ApiProperty({ example: 'model.llm.swap' }) action!: string;
  @ApiProperty({ example: 'llm', nullable: true, type: String }) target!: string | null;
  @ApiProperty({ enum: ['ok', 'failed'] }) outcome!: string;
  @ApiProperty({ example: null, nullable: true, type: String }) error_code!: string | null;
  @ApiProperty({ example: '10.0.3.7', nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ example: '9d0f1d9e-0c39-4a8e-a7d5-0d3c1b2e4f50', nullable: true, type: String }) request_id!: string | null;
  @ApiProperty({ example: { provider: 'openai', model: 'gpt-4o-mini' } }) details!: Record<string, unknown>;
}

class AuditPageDto {
  @ApiProperty({ type: [AuditRowDto] }) items!: AuditRowDto[];
  @ApiProperty({ example: 1 }) total!: number;
  @ApiProperty({ example: 50 }) limit!: number;
  @ApiProperty({ example: 0 }) offset!: number;
}

@ApiTags('admin')
@Controller({ path: 'admin/audit', version: '1' })
export class AuditController {
  constructor(private readonly audit: AuditRecorder) {}

  @Get()
  @UseGuards(AdminKeyGuard)
  @ApiSecurity('admin')
  @ApiOperation({ summary: 'Audit log of admin actions (model swaps, config reloads, seeds, deletions, key changes), most recent first' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiProblems(...AUDIT_PROBLEMS)
  async list(@Query() q: AuditQueryDto): Promise<AuditPageDto> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    return { ...(await this.audit.list({ limit, offset, action: q.action })), limit, offset };
  }
}
