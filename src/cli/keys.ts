#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig, resolveDataPath } from '../shared/config/config.loader';
import { dataDirOwner } from '../shared/database/embedded-postgres';

const HELP = `npm run keys -- create --role user|admin [--user <id>] [--collections a,b (user keys)] [--url http://host:3000]
npm run keys -- list [--url ...]
npm run keys -- revoke <id> [--url ...]

API keys (issue 11). create prints the key once: only its SHA-256 is stored, it cannot be shown again. list shows
prefixes. revoke refuses the key from the next request on.

Where: the database that DATA_DIR (embedded) or DATABASE_URL names. When a running acervo server holds the
embedded data dir, the command goes through that server's /v1/admin/keys (ADMIN_API_KEY needed); --url sends it
to a server at that address.`;

import type { KeysCommand, KeyView } from './keys.command';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string' }, user: { type: 'string' }, collections: { type: 'string' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, id] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  if (!['create', 'list', 'revoke'].includes(command)) return fail(`unknown command "${command}" (create, list or revoke)`);
  if (command === 'create' && values.role !== 'user' && values.role !== 'admin') return fail('--role must be user or admin');
  if (command === 'create' && values.role === 'user' && !values.user) return fail('a user key needs --user <id>');
  if (command === 'revoke' && !id) return fail('revoke needs the key id (npm run keys -- list)');
  const collections = values.collections?.split(',').map((c) => c.trim()).filter(Boolean);

  const config = loadConfig();
  const owner = config.database.url ? undefined : dataDirOwner(resolveDataPath(config, config.database.embedded.dir));
  const url = values.url ?? (owner?.role === 'server' ? owner.url : undefined);
  if (owner && !url) return fail(`the embedded database is in use by pid ${owner.pid} (${owner.role ?? 'starting'}), which serves no HTTP API: stop it and run again`);

  if (url) {
    const key = config.admin.apiKey;
    const base = new URL('v1/admin/keys/', url.endsWith('/') ? url : `${url}/`);
    const target = command === 'revoke' ? new URL(encodeURIComponent(id), base) : new URL(base.href.replace(/\/$/, ''));
    const res = await fetch(target, {
      method: command === 'create' ? 'POST' : command === 'revoke' ? 'DELETE' : 'GET',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: command === 'create' ? JSON.stringify({ role: values.role, user_id: values.user, collections }) : undefined,
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) return fail(`${url} answered ${res.status}: ${String(body.detail ?? body.code ?? 'error')}`);
    return report(command, command === 'list' ? (body.data as KeyView[]) : body.id ? [body as unknown as KeyView] : [], id);
  }

  const [{ NestFactory }, { AppModule }, { runKeysCommand }] = await Promise.all([import('@nestjs/core'), import('../app.module'), import('./keys.command')]);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error'] });
  try {
    const cmd: KeysCommand =
      command === 'create'
        ? { command, role: values.role as 'user' | 'admin', userId: values.user, collections }
        : command === 'revoke'
          ? { command, id }
          : { command: 'list' };
    return report(command, await runKeysCommand(app, cmd), id);
  } catch (e) {
    return fail((e as Error).message);
  } finally {
    await app.close();
  }
}

function report(command: string, keys: KeyView[], id?: string): number {
  if (command === 'revoke') console.log(`revoked ${id}`);
  else if (command === 'create') {
    const k = keys[0];
    console.log(`created ${k.role} key ${k.id}${k.user_id ? ` for ${k.user_id}` : ''}${k.collections ? ` (collections: ${k.collections.join(', ')})` : ''}`);
    console.log(`key (shown once, store it now): ${k.key}`);
  } else {
    if (!keys.length) console.log('no keys');
    for (const k of keys) {
      console.log([k.id, k.prefix + '…', k.role, k.user_id ?? '-', k.collections?.join(',') ?? '*', k.created_at, k.revoked_at ? `revoked ${k.revoked_at}` : 'active'].join('  '));
    }
  }
  return 0;
}

function fail(message: string): number {
  console.error(`keys: ${message}`);
  return 2;
}

main()
  .then((code) => process.exit(code))
  .catch((e: Error) => {
    console.error(`keys failed: ${e.message}`);
    process.exit(1);
  });
