import { Controller, Get, Query, Res, UseGuards, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '../../../../shared/errors';
import { AdminKeyGuard, ApiProblems } from '../../../../shared/http';
import { reportCsv, reportHtml } from '../../application/reports/report-format';
import { UsageReport, UsageReports } from '../../application/reports/usage-report.service';
import type { TimeRange } from '../../application/ports/usage-store.port';
import { PrometheusMetrics } from '../../infrastructure/prometheus/prometheus.metrics';
import { RangeQueryDto, ReportQueryDto, UsageQueryDto, UsageResponseDto } from './dto/usage-query.dto';
import { REPORT_PROBLEMS, USAGE_PROBLEMS } from './metrics.problems';

const group = (key: string) => ({ key, calls: 3, prompt_tokens: 1240, completion_tokens: 96, cost_usd: 0.0002436, p50_ms: 412.5, p95_ms: 980.1 });
const REPORT_EXAMPLE = {
  from: '2026-12-01T00:00:00.000Z',
  to: null,
  generated_at: '2026-12-01T12:00:00.000Z',
  totals: { calls: 3, prompt_tokens: 1240, completion_tokens: 96, cost_usd: 0.0002436 },
  by_user: [group('ana')],
  by_day: [group('2026-12-01')],
  by_month: [group('2026-12')],
  by_model: [group('openai:gpt-4o-mini')],
  stages: [
    { stage: 'embed', count: 2, p50_ms: 3.1, p95_ms: 4.2 },
    { stage: 'generate', count: 2, p50_ms: 410.2, p95_ms: 975.4 },
    { stage: 'search', count: 2, p50_ms: 8.4, p95_ms: 11.9 },
  ],
  tools: [{ tool: 'sales_data', calls: 1, failures: 0 }],
  errors: [{ error: 'GENERATION.LLM_UNAVAILABLE', operation: 'ask', count: 1 }],
  budget: {
    daily: { threshold_usd: 5, spent_usd: 0.0002436, crossed: false, period: '2026-12-01' },
    alerts: [],
  },
};

function rangeOf(q: RangeQueryDto): TimeRange {
  const range = { from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined };
  if (range.from && range.to && range.from >= range.to) {
    throw new DomainError('METRICS.INVALID_RANGE', 'invalid', `from (${q.from}) must be before to (${q.to})`, {
      errors: [{ field: 'from', message: 'from must be before to' }],
    });
  }
  return range;
}

@ApiTags('metrics')
@ApiSecurity('admin')
@UseGuards(AdminKeyGuard)
@Controller({ path: 'metrics', version: '1' })
export class UsageController {
  constructor(private readonly reports: UsageReports) {}

  @Get('usage')
  @ApiOperation({
    summary: 'Model calls grouped by user, model, UTC day or month: calls, tokens, cost and latency percentiles (admin key)',
    description:
      'One usage row per LLM call (/v1/ask, /v1/chat and its rewrite, summary and tool decisions) and per network embedding call. ' +
      '`cost_usd` comes from config/pricing.yaml and is null for a group with any unpriced call. Requires the admin key (x-api-key or Authorization: Bearer).',
  })
  @ApiOkResponse({ type: UsageResponseDto })
  @ApiProblems(...USAGE_PROBLEMS)
  async usage(@Query() q: UsageQueryDto): Promise<UsageResponseDto> {
    const range = rangeOf(q);
    const groupBy = q.group_by ?? 'day';
    return { group_by: groupBy, from: range.from?.toISOString() ?? null, to: range.to?.toISOString() ?? null, groups: await this.reports.usage(groupBy, range) };
  }

  @Get('report')
  @ApiOperation({
    summary: 'Usage and cost report: totals, per user, day, month and model, stage p50/p95, tool usage, errors, budget state and alerts (admin key)',
    description: '`format=json` (default), `csv` (one table with a `section` column) or `html` (a self-contained page). Requires the admin key.',
  })
  @ApiProduces('application/json', 'text/csv', 'text/html')
  @ApiOkResponse({ description: 'The report (JSON shown; csv and html carry the same figures)', schema: { example: REPORT_EXAMPLE } })
  @ApiProblems(...REPORT_PROBLEMS)
  async report(@Query() q: ReportQueryDto, @Res({ passthrough: true }) res: Response): Promise<UsageReport | string> {
    const report = await this.reports.report(rangeOf(q));
    if (q.format === 'csv') {
      res.type('text/csv; charset=utf-8').setHeader('content-disposition', 'attachment; filename="acervo-usage.csv"');
      return reportCsv(report);
    }
    if (q.format === 'html') {
      res.type('text/html; charset=utf-8').setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      return reportHtml(report);
    }
    return report;
  }
}

/** Prometheus text exposition, beside /health: not versioned, not shed under load. */
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class PrometheusController {
  constructor(private readonly prometheus: PrometheusMetrics) {}

  @Get()
  @ApiExcludeEndpoint()
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.type(this.prometheus.contentType);
    return this.prometheus.render();
  }
}
