import type { INestApplicationContext } from '@nestjs/common';
import { ApiKeysService, keyView } from '../modules/access';
import { AuditRecorder } from '../shared/audit';

export type KeyView = ReturnType<typeof keyView> & { key?: string };

export type KeysCommand =
  | { command: 'create'; role: 'user' | 'admin'; userId?: string; collections?: string[] }
  | { command: 'list' }
  | { command: 'revoke'; id: string };

/**
 * `npm run keys` on the database directly (no server holds it): the same ApiKeysService as /v1/admin/keys, and
 * the same audit rows (key.create, key.revoke; ok or failed) with actor `cli`.
 */
export async function runKeysCommand(app: INestApplicationContext, cmd: KeysCommand): Promise<KeyView[]> {
  const keys = app.get(ApiKeysService);
  if (cmd.command === 'list') return (await keys.list()).map(keyView);
  const audit = app.get(AuditRecorder);
  const action = cmd.command === 'create' ? 'key.create' : 'key.revoke';
  const details = cmd.command === 'create' ? { role: cmd.role, user_id: cmd.userId ?? null, collections: cmd.collections ?? null } : {};
  try {
    if (cmd.command === 'create') {
      const { key, apiKey } = await keys.create({ role: cmd.role, userId: cmd.userId, collections: cmd.collections });
      await audit.record({ actor: 'cli', action, target: apiKey.id, outcome: 'ok', details: { ...details, prefix: apiKey.prefix } });
      return [{ ...keyView(apiKey), key }];
    }
    await keys.revoke(cmd.id);
    await audit.record({ actor: 'cli', action, target: cmd.id, outcome: 'ok', details });
    return [];
  } catch (e) {
    const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : (e as Error).name;
    await audit.record({ actor: 'cli', action, target: cmd.command === 'revoke' ? cmd.id : null, outcome: 'failed', errorCode: code, details });
    throw e;
  }
}
