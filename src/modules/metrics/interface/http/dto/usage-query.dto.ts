import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { GROUP_BY, type GroupBy } from '../../../application/ports/usage-store.port';

export const REPORT_FORMATS = ['json', 'csv', 'html'] as const;

export class RangeQueryDto {
  @ApiPropertyOptional({ example: '2026-12-01', description: 'From this instant, inclusive (ISO 8601; a date is UTC midnight). Default: the beginning' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-02', description: 'Until this instant, exclusive (ISO 8601). Default: now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class UsageQueryDto extends RangeQueryDto {
  @ApiPropertyOptional({ enum: GROUP_BY, default: 'day', description: 'Group by user id, model (provider:model), UTC day or UTC month' })
  @IsOptional()
  @IsIn(GROUP_BY)
  group_by?: GroupBy;
}

export class ReportQueryDto extends RangeQueryDto {
  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json', description: 'json, csv (one table with a `section` column) or html (a self-contained page)' })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: (typeof REPORT_FORMATS)[number];
}

export class UsageGroupDto {
  @ApiProperty({ example: '2026-12-01', description: 'The user id ("(anonymous)" when none), provider:model, YYYY-MM-DD or YYYY-MM (UTC)' }) key!: string;
  @ApiProperty({ example: 12, description: 'Model calls (usage rows)' }) calls!: number;
  @ApiProperty({ example: 5400 }) prompt_tokens!: number;
  @ApiProperty({ example: 830 }) completion_tokens!: number;
  @ApiProperty({ example: 0.001308, nullable: true, type: Number, description: 'USD from config/pricing.yaml; null when any call of the group has no price' })
  cost_usd!: number | null;
  @ApiProperty({ example: 420.5, description: 'Median model call latency (ms)' }) p50_ms!: number;
  @ApiProperty({ example: 1210.3, description: '95th percentile model call latency (ms)' }) p95_ms!: number;
}

export class UsageResponseDto {
  @ApiProperty({ enum: GROUP_BY, example: 'day' }) group_by!: GroupBy;
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z', nullable: true, type: String }) from!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String }) to!: string | null;
  @ApiProperty({ type: [UsageGroupDto] }) groups!: UsageGroupDto[];
}
