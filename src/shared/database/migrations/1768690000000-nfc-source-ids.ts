import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Source ids are stored in Unicode NFC (probe s16 #5: a file name sent decomposed by macOS was a second document beside
 * its composed upload). Stored ids in another form are put in NFC, except where the collection already holds the NFC
 * form too (both were uploaded before this fix): those two documents stay as they are, the decomposed one no longer
 * matched by a new upload, until it is deleted.
 */
export class NfcSourceIds1768690000000 implements MigrationInterface {
  name = 'NfcSourceIds1768690000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE documents d SET source_id = normalize(d.source_id, NFC)
      WHERE d.source_id IS NOT NFC NORMALIZED
        AND NOT EXISTS (SELECT 1 FROM documents o WHERE o.collection = d.collection AND o.source_id = normalize(d.source_id, NFC))`);
  }

  async down(): Promise<void> {
    // the decomposed forms are not kept: NFC ids are what the code before this migration stored for composed names too
  }
}
