/* Serves the embedded database (PGlite + pgvector) as a standalone Postgres-protocol server, so the
 * same e2e suites can run against it through DATABASE_URL (CI's server pass).
 * Usage: node dist/cli/pg-server.js --dir <data dir> --port <port> [--shared-buffers 128MB]
 * Clients authenticate as postgres with the password in <data dir>/postgres.password (made at first start, 0600). */
import { join } from 'node:path';
import { PASSWORD_FILE } from '../shared/database/credentials';
import { EmbeddedPostgres } from '../shared/database/embedded-postgres';

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
  };
  const dir = arg('dir', './data/pg-server');
  const server = new EmbeddedPostgres({
    dir,
    port: Number(arg('port', '5439')),
    maxConnections: 32,
    sharedBuffers: arg('shared-buffers', '128MB'),
    log: (level, message) => console[level](message),
  });
  const { host, port } = await server.start();
  server.describeOwner('pg-server'); // an ingest run that finds the dir locked says so instead of waiting for an HTTP API
  // the URL without its password (it is in the file, never in a log)
  console.log(`pglite server ready: postgres://postgres@${host}:${port}/postgres (password in ${join(dir, PASSWORD_FILE)})`);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: Error) => {
  console.error(`pg-server failed: ${e.message}`);
  process.exit(1);
});
