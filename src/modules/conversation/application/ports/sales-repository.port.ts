import type { Sale, SalesQuery, SalesResult, SalesVocabulary } from '../../domain/sales';

/** The `sales` table: read through whitelisted, parameterized aggregates only. */
export interface SalesRepository {
  aggregate(query: SalesQuery): Promise<SalesResult>;
  vocabulary(): Promise<SalesVocabulary>;
  /** Replaces the table's content (npm run seed:sales). */
  replaceAll(rows: Sale[]): Promise<number>;
}

export const SALES_REPOSITORY = Symbol('SALES_REPOSITORY');
