import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * User ids are matched in Unicode NFC (probe s16 #6: a chat as "joão" sent decomposed was not forgotten by
 * DELETE /v1/users/jo%C3%A3o/memory). Stored ids are composed: a conversation, a key's user, a collection's owner and
 * users. A forget counter kept under both forms keeps the higher epoch under the composed one. Usage records keep the
 * id they were written with (they belong to the metrics module; new ones are composed).
 */
export class NfcUserIds1768691000000 implements MigrationInterface {
  name = 'NfcUserIds1768691000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE conversations SET user_id = normalize(user_id, NFC) WHERE user_id IS NOT NFC NORMALIZED`);
    await q.query(`UPDATE api_keys SET user_id = normalize(user_id, NFC) WHERE user_id IS NOT NFC NORMALIZED`);
    await q.query(`UPDATE collection_access SET owner = normalize(owner, NFC) WHERE owner IS NOT NFC NORMALIZED`);
    await q.query(`
      UPDATE collection_access SET users = ARRAY(SELECT DISTINCT normalize(u, NFC) FROM unnest(users) AS u)
      WHERE EXISTS (SELECT 1 FROM unnest(users) AS u WHERE u IS NOT NFC NORMALIZED)`);
    await q.query(`
      INSERT INTO user_forgets (user_id, epoch, at)
      SELECT normalize(user_id, NFC), max(epoch), max(at) FROM user_forgets WHERE user_id IS NOT NFC NORMALIZED GROUP BY 1
      ON CONFLICT (user_id) DO UPDATE SET epoch = GREATEST(user_forgets.epoch, EXCLUDED.epoch), at = GREATEST(user_forgets.at, EXCLUDED.at)`);
    await q.query(`DELETE FROM user_forgets WHERE user_id IS NOT NFC NORMALIZED`);
  }

  async down(): Promise<void> {
    // the decomposed forms are not kept: the composed ids are what the earlier code matched a composed id against
  }
}
