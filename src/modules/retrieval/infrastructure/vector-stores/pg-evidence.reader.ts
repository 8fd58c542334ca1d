import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, managerFor } from '../../../../shared/database';
import { EvidenceReader } from '../../application/evidence/evidence.port';

@Injectable()
export class PgEvidenceReader implements EvidenceReader {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async coverage(collection: string, textSearchConfig: string, question: string, chunkIds: string[]): Promise<Map<string, number>> {
    const rows: Array<{ id: string; coverage: number | string | null }> = await managerFor(this.dataSource).query(
      `WITH st AS (SELECT greatest(coalesce((SELECT chunk_count FROM collection_stats WHERE collection = $2), 0), 1)::float8 AS n),
       qi AS (
         SELECT ql.lexeme, ln(1 + (st.n - coalesce(s.df, 0) + 0.5) / (coalesce(s.df, 0) + 0.5)) AS idf
         FROM (SELECT DISTINCT u.lexeme FROM unnest(to_tsvector($1::regconfig, $3)) u) ql
         CROSS JOIN st
         LEFT JOIN lexeme_stats s ON s.collection = $2 AND s.lexeme = ql.lexeme
       )
       SELECT c.id,
              (SELECT coalesce(sum(qi.idf), 0) FROM qi WHERE qi.lexeme = ANY (tsvector_to_array(c.tsv)))
                / nullif((SELECT sum(idf) FROM qi), 0) AS coverage
       FROM chunks c
       WHERE c.id = ANY ($4::uuid[]) AND c.collection = $2`,
      [textSearchConfig, collection, question, chunkIds],
    );
    return new Map(rows.map((r) => [r.id, r.coverage === null ? 0 : Math.round(Number(r.coverage) * 1000) / 1000]));
  }
}
