import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage records' user ids in Unicode NFC, as every user id has been matched since NfcUserIds1768691000000 (which left
 * the metrics module's table alone): a row written for "joão" sent decomposed was a user of its own in
 * /v1/metrics/usage?group_by=user and the report, and outside that user's daily token quota. New rows are composed
 * where the id enters; this composes the older ones (one pass over the table, only the rows not in NFC are written).
 */
export class NfcUsageUserIds1768710000000 implements MigrationInterface {
  name = 'NfcUsageUserIds1768710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE usage_records SET user_id = normalize(user_id, NFC) WHERE user_id IS NOT NFC NORMALIZED`);
  }

  async down(): Promise<void> {
    // the decomposed forms are not kept: the composed ids are what the code before this migration matched them against
  }
}
