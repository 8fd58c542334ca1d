import { fold } from '../../../shared/text/lexical';
import { ConversationError } from './conversation.errors';
import { parsePeriod, Period } from './periods';

export const SALES_METRICS = ['revenue', 'quantity', 'orders', 'average_ticket'] as const;
export const SALES_DIMENSIONS = ['product', 'category', 'rep', 'region', 'channel', 'month', 'day'] as const;
export const SALES_FILTERS = ['product', 'category', 'rep', 'region', 'channel'] as const;
export type SalesMetric = (typeof SALES_METRICS)[number];
export type SalesDimension = (typeof SALES_DIMENSIONS)[number];
export type SalesFilterKey = (typeof SALES_FILTERS)[number];

/** A whitelisted, parameterized question over the sales table: never SQL from a model. */
export interface SalesQuery {
  metric: SalesMetric;
  groupBy?: SalesDimension;
  period: Period;
  filters: Partial<Record<SalesFilterKey, string>>;
  limit: number;
  order: 'desc' | 'asc';
}

/** One sale as stored (amount = quantity x unitPrice). */
export interface Sale {
  soldAt: string; // YYYY-MM-DD
  product: string;
  category: string;
  rep: string;
  region: string;
  channel: string;
  quantity: number;
  unitPrice: number;
}

export interface SalesRow {
  key: string;
  revenue: number;
  quantity: number;
  orders: number;
}

export interface SalesResult {
  query: SalesQuery;
  totals: Omit<SalesRow, 'key'>;
  rows: SalesRow[];
}

/** The values the table holds per filterable column (router and validation use them). */
export type SalesVocabulary = Record<SalesFilterKey, string[]>;

export const METRIC_LABELS: Record<SalesMetric, string> = {
  revenue: 'faturamento',
  quantity: 'unidades vendidas',
  orders: 'pedidos',
  average_ticket: 'ticket médio',
};
export const DIMENSION_LABELS: Record<SalesDimension, string> = {
  product: 'produto',
  category: 'categoria',
  rep: 'vendedor',
  region: 'região',
  channel: 'canal',
  month: 'mês',
  day: 'dia',
};

/** The tool's arguments as a JSON Schema (offered to tool-calling models). */
export const SALES_TOOL_PARAMETERS = {
  type: 'object',
  properties: {
    metric: { type: 'string', enum: [...SALES_METRICS], description: 'revenue (R$), quantity (units), orders, average_ticket; default revenue' },
    group_by: { type: 'string', enum: [...SALES_DIMENSIONS], description: 'break the total down by this dimension' },
    period: { type: 'string', description: 'the period in Portuguese ("mês passado", "março de 2026", "últimos 7 dias", "1º trimestre") or YYYY-MM-DD..YYYY-MM-DD (end exclusive)' },
    limit: { type: 'integer', minimum: 1, maximum: 50, description: 'rows to return when grouped (top N)' },
    order: { type: 'string', enum: ['desc', 'asc'] },
    product: { type: 'string' },
    category: { type: 'string' },
    rep: { type: 'string', description: 'sales representative (vendedor)' },
    region: { type: 'string', description: 'Norte, Nordeste, Centro-Oeste, Sudeste or Sul' },
    channel: { type: 'string' },
  },
  required: ['period'],
  additionalProperties: false,
} as const;

/**
 * Validates tool arguments (from a model or from the router) into a SalesQuery. Unknown keys, metrics,
 * dimensions, filter values and unreadable periods are tool errors the agent explains, never SQL.
 */
export function salesQueryFrom(args: Record<string, unknown>, vocabulary: SalesVocabulary, now: Date, maxRows: number): SalesQuery {
  const allowed = new Set(Object.keys(SALES_TOOL_PARAMETERS.properties));
  const unknown = Object.keys(args).filter((k) => !allowed.has(k));
  if (unknown.length) throw new ConversationError('CONVERSATION.TOOL_ARGUMENTS', 'invalid', `unknown argument(s): ${unknown.join(', ')}`);
  const str = (k: string): string | undefined => {
    const v = args[k];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' || v.length > 200) throw new ConversationError('CONVERSATION.TOOL_ARGUMENTS', 'invalid', `${k} must be a short string`);
    return v;
  };
  const metric = (str('metric') ?? 'revenue') as SalesMetric;
  if (!SALES_METRICS.includes(metric)) throw new ConversationError('CONVERSATION.TOOL_ARGUMENTS', 'invalid', `metric must be one of ${SALES_METRICS.join(', ')}`);
  const groupBy = str('group_by') as SalesDimension | undefined;
  if (groupBy && !SALES_DIMENSIONS.includes(groupBy)) throw new ConversationError('CONVERSATION.TOOL_ARGUMENTS', 'invalid', `group_by must be one of ${SALES_DIMENSIONS.join(', ')}`);
  const periodText = str('period');
  if (!periodText) throw new ConversationError('CONVERSATION.TOOL_ARGUMENTS', 'invalid', 'period is required');
  const period = explicitRange(periodText) ?? parsePeriod(periodText, now);
  if (!period) throw new ConversationError('CONVERSATION.TOOL_ARGUMENTS', 'invalid', `could not read the period "${periodText}"`);
  const filters: SalesQuery['filters'] = {};
  for (const key of SALES_FILTERS) {
    const v = str(key);
    if (v === undefined) continue;
    const match = vocabulary[key].find((known) => fold(known.toLowerCase()) === fold(v.toLowerCase()));
    if (!match) throw new ConversationError('CONVERSATION.TOOL_ARGUMENTS', 'invalid', `no ${DIMENSION_LABELS[key]} named "${v}" in the sales data`);
    filters[key] = match;
  }
  const limitArg = args.limit;
  if (limitArg !== undefined && (typeof limitArg !== 'number' || !Number.isInteger(limitArg) || limitArg < 1)) {
    throw new ConversationError('CONVERSATION.TOOL_ARGUMENTS', 'invalid', 'limit must be a positive integer');
  }
  const order = str('order') ?? 'desc';
  if (order !== 'desc' && order !== 'asc') throw new ConversationError('CONVERSATION.TOOL_ARGUMENTS', 'invalid', 'order must be desc or asc');
  return { metric, groupBy, period, filters, limit: Math.min((limitArg as number | undefined) ?? (groupBy ? 10 : 1), maxRows), order };
}

function explicitRange(text: string): Period | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(text.trim());
  if (!m || !(Date.parse(m[1]) < Date.parse(m[2]))) return undefined;
  return { from: m[1], to: m[2], label: `${m[1]} a ${m[2]}`, unit: 'days' };
}
