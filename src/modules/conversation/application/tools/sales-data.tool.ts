import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { formatBrl, formatNumber } from '../../domain/money';
import { DIMENSION_LABELS, METRIC_LABELS, SALES_TOOL_PARAMETERS, SalesMetric, SalesResult, salesQueryFrom } from '../../domain/sales';
import { SALES_REPOSITORY, SalesRepository } from '../ports/sales-repository.port';
import { Tool, ToolCaller, ToolContext, ToolOutput } from '../ports/tool.port';

/**
 * sales_data: whitelisted, parameterized aggregates over the `sales` table (metric, breakdown, period,
 * filters, top N). Never model-written SQL: arguments are validated into a SalesQuery first. Company figures: in
 * auth.mode required only admins and conversation.tools.sales_data.users may use it (a collection grant does not
 * reach them: every user can create a collection).
 */
@Injectable()
export class SalesDataTool implements Tool {
  readonly definition = {
    name: 'sales_data',
    description:
      'Consulta os dados de vendas da empresa (faturamento em R$, unidades, pedidos, ticket médio) por período, com detalhamento por produto, categoria, vendedor, região, canal, mês ou dia, e filtros.',
    parameters: SALES_TOOL_PARAMETERS as unknown as Record<string, unknown>,
  };

  constructor(
    @Inject(SALES_REPOSITORY) private readonly sales: SalesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  permits(caller: ToolCaller | undefined): boolean {
    if (this.config.auth.mode !== 'required') return true;
    if (caller?.role === 'admin') return true;
    const users = this.config.conversation.tools.sales_data.users;
    return !!caller?.userId && (users.includes('*') || users.includes(caller.userId));
  }

  vocabulary() {
    return this.sales.vocabulary();
  }

  async run(args: Record<string, unknown>, _ctx: ToolContext): Promise<ToolOutput> {
    const query = salesQueryFrom(args, await this.sales.vocabulary(), new Date(), this.config.conversation.tools.sales_data.maxRows);
    const result = await this.sales.aggregate(query);
    const reply = describe(result);
    return { content: JSON.stringify({ ...result, summary: reply }), reply, period: query.period };
  }
}

const value = (metric: SalesMetric, r: { revenue: number; quantity: number; orders: number }): string => {
  switch (metric) {
    case 'revenue':
      return formatBrl(r.revenue);
    case 'quantity':
      return `${formatNumber(r.quantity)} unidades`;
    case 'orders':
      return `${formatNumber(r.orders)} pedidos`;
    case 'average_ticket':
      return formatBrl(r.orders ? Math.round((r.revenue / r.orders) * 100) / 100 : 0);
  }
};

/** The reply a Brazilian sales team reads: the total first, then the ranking, amounts in BRL. */
export function describe(result: SalesResult): string {
  const { query, totals, rows } = result;
  const filters = Object.entries(query.filters).map(([k, v]) => `${DIMENSION_LABELS[k as keyof typeof DIMENSION_LABELS]} ${v}`);
  const scope = `${query.period.label}${filters.length ? ` (${filters.join(', ')})` : ''}`;
  if (totals.orders === 0) return `Não há vendas registradas em ${scope}.`;
  const total = `${capitalize(METRIC_LABELS[query.metric])} em ${scope}: ${value(query.metric, totals)}`;
  const detail = query.metric === 'revenue' ? ` em ${formatNumber(totals.orders)} pedidos (${formatNumber(totals.quantity)} unidades).` : '.';
  if (!query.groupBy || rows.length === 0) return `${total}${detail}`;
  const heading =
    query.limit === 1 && query.groupBy !== 'month' && query.groupBy !== 'day'
      ? `${capitalize(DIMENSION_LABELS[query.groupBy])} com ${query.order === 'asc' ? 'menor' : 'maior'} ${METRIC_LABELS[query.metric]}: ${rows[0].key} (${value(query.metric, rows[0])}).`
      : `Por ${DIMENSION_LABELS[query.groupBy]}:\n${rows.map((r, i) => `${i + 1}. ${r.key}: ${value(query.metric, r)}`).join('\n')}`;
  return `${total}${detail}\n${heading}`;
}

function capitalize(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
