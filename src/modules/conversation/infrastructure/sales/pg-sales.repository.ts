import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE, managerFor, TRANSACTION_RUNNER, TransactionRunner } from '../../../../shared/database';
import { Sale, SALES_FILTERS, SalesDimension, SalesMetric, SalesQuery, SalesResult, SalesVocabulary } from '../../domain/sales';
import { SalesRepository } from '../../application/ports/sales-repository.port';

/** Whitelisted SQL fragments: the query's words select among these, and every value is a bind parameter. */
const DIMENSION_SQL: Record<SalesDimension, string> = {
  product: 'product',
  category: 'category',
  rep: 'rep',
  region: 'region',
  channel: 'channel',
  month: `to_char(sold_at, 'YYYY-MM')`,
  day: `to_char(sold_at, 'YYYY-MM-DD')`,
};
const METRIC_SQL: Record<SalesMetric, string> = {
  revenue: 'sum(amount)',
  quantity: 'sum(quantity)',
  orders: 'count(*)',
  average_ticket: 'sum(amount) / nullif(count(*), 0)',
};
const VOCABULARY_TTL_MS = 30000;

@Injectable()
export class PgSalesRepository implements SalesRepository {
  private cachedVocabulary?: { at: number; value: SalesVocabulary };

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
  ) {}

  async aggregate(query: SalesQuery): Promise<SalesResult> {
    const params: unknown[] = [query.period.from, query.period.to];
    const where = ['sold_at >= $1::date', 'sold_at < $2::date'];
    for (const key of SALES_FILTERS) {
      const v = query.filters[key];
      if (v === undefined) continue;
      params.push(v);
      where.push(`${DIMENSION_SQL[key]} = $${params.length}`);
    }
    const q = (sql: string, p: unknown[]) => managerFor(this.dataSource).query(sql, p);
    const [totals] = await q(
      `SELECT coalesce(sum(amount), 0)::float8 AS revenue, coalesce(sum(quantity), 0)::float8 AS quantity, count(*)::int AS orders
         FROM sales WHERE ${where.join(' AND ')}`,
      params,
    );
    let rows: SalesResult['rows'] = [];
    if (query.groupBy) {
      const key = DIMENSION_SQL[query.groupBy];
      const chronological = query.groupBy === 'month' || query.groupBy === 'day';
      const order = chronological ? `key ${query.order === 'asc' ? 'DESC' : 'ASC'}` : `${METRIC_SQL[query.metric]} ${query.order === 'asc' ? 'ASC' : 'DESC'}, key`;
      const found: Array<{ key: string; revenue: number; quantity: number; orders: number }> = await q(
        `SELECT ${key} AS key, sum(amount)::float8 AS revenue, sum(quantity)::float8 AS quantity, count(*)::int AS orders
           FROM sales WHERE ${where.join(' AND ')}
          GROUP BY 1 ORDER BY ${order} LIMIT $${params.length + 1}`,
        [...params, query.limit],
      );
      rows = found.map((r) => ({ key: r.key, revenue: round2(r.revenue), quantity: Number(r.quantity), orders: Number(r.orders) }));
    }
    return { query, totals: { revenue: round2(totals.revenue), quantity: Number(totals.quantity), orders: Number(totals.orders) }, rows };
  }

  async vocabulary(): Promise<SalesVocabulary> {
    if (this.cachedVocabulary && Date.now() - this.cachedVocabulary.at < VOCABULARY_TTL_MS) return this.cachedVocabulary.value;
    const value = {} as SalesVocabulary;
    for (const key of SALES_FILTERS) {
      const rows: Array<{ v: string }> = await managerFor(this.dataSource).query(`SELECT DISTINCT ${DIMENSION_SQL[key]} AS v FROM sales ORDER BY 1 LIMIT 1000`);
      value[key] = rows.map((r) => r.v);
    }
    this.cachedVocabulary = { at: Date.now(), value };
    return value;
  }

  async replaceAll(rows: Sale[]): Promise<number> {
    await this.tx.run(async () => {
      const m = managerFor(this.dataSource);
      await m.query('DELETE FROM sales');
      const BATCH = 500;
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH);
        const values: unknown[] = [];
        const tuples = batch.map((r, j) => {
          values.push(r.soldAt, r.product, r.category, r.rep, r.region, r.channel, r.quantity, r.unitPrice, round2(r.quantity * r.unitPrice));
          const b = j * 9;
          return `($${b + 1}::date, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9})`;
        });
        await m.query(`INSERT INTO sales (sold_at, product, category, rep, region, channel, quantity, unit_price, amount) VALUES ${tuples.join(', ')}`, values);
      }
    });
    this.cachedVocabulary = undefined;
    return rows.length;
  }
}

function round2(n: number): number {
  return Math.round(Number(n) * 100) / 100;
}
