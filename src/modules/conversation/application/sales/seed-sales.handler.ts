import { Inject, Injectable } from '@nestjs/common';
import { generateSales } from '../../domain/sales-generator';
import { SALES_REPOSITORY, SalesRepository } from '../ports/sales-repository.port';

export interface SeedSalesResult {
  rows: number;
  from: string;
  to: string;
  revenue: number;
}

/** Replaces the sales table with the generated history (npm run seed:sales, in process or through the admin route). */
@Injectable()
export class SeedSalesHandler {
  constructor(@Inject(SALES_REPOSITORY) private readonly sales: SalesRepository) {}

  async execute(opts: { months: number; seed: number; now?: Date }): Promise<SeedSalesResult> {
    const rows = generateSales(opts.now ?? new Date(), opts.months, opts.seed);
    await this.sales.replaceAll(rows);
    return {
      rows: rows.length,
      from: rows[0]?.soldAt ?? '',
      to: rows.at(-1)?.soldAt ?? '',
      revenue: Math.round(rows.reduce((a, r) => a + Math.round(r.quantity * r.unitPrice * 100) / 100, 0) * 100) / 100,
    };
  }
}
