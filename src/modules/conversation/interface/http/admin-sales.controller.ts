import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { AdminKeyGuard, ApiProblems } from '../../../../shared/http';
import { SeedSalesHandler } from '../../application/sales/seed-sales.handler';
import { SEED_SALES_PROBLEMS } from './conversation.problems';
import { Audited } from '../../../../shared/audit';

export class SeedSalesDto {
  @ApiPropertyOptional({ example: 18, minimum: 1, maximum: 60, description: 'Whole months of history before the current one' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60)
  months?: number;

  @ApiPropertyOptional({ example: 42, description: 'Random seed: the same seed and day give the same data' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2 ** 31)
  seed?: number;
}

class SeedSalesResultDto {
  @ApiProperty({ example: 14210 }) rows!: number;
  @ApiProperty({ example: '2025-05-01' }) from!: string;
  @ApiProperty({ example: '2026-12-01' }) to!: string;
  @ApiProperty({ example: 48211034.55 }) revenue!: number;
}

@ApiTags('admin')
@Controller({ path: 'admin/sales', version: '1' })
export class AdminSalesController {
  constructor(private readonly seed: SeedSalesHandler) {}

  @Post('seed')
  @HttpCode(200)
  @UseGuards(AdminKeyGuard)
  @Audited('sales.seed', { target: () => 'sales', details: (req) => ({ months: req.body?.months, seed: req.body?.seed }) })
  @ApiSecurity('admin')
  @ApiOperation({ summary: 'Replace the sales table with a generated history (what npm run seed:sales sends when the server holds the data dir)' })
  @ApiOkResponse({ type: SeedSalesResultDto })
  @ApiProblems(...SEED_SALES_PROBLEMS)
  run(@Body() body: SeedSalesDto) {
    return this.seed.execute({ months: body.months ?? 18, seed: body.seed ?? 42 });
  }
}
