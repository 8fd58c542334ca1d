import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 8 (answers): each chunk keeps the heading it starts under (the last heading or FAQ question line a
 * few lines above it). A section the chunker cut in two ("4. DESCALCIFICAÇÃO" … "Procedimento (leva cerca de
 * 25 minutos)") still tells the answerer what its second half is about. Chunks written before have none
 * (NULL): they answer as before until their document is written again (changed, or deleted and uploaded: the same
 * content is deduplicated, and a re-index only replaces vectors).
 */
export class ChunkHeadings1768640000000 implements MigrationInterface {
  name = 'ChunkHeadings1768640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chunks ADD COLUMN heading text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chunks DROP COLUMN heading`);
  }
}
