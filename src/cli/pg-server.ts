/* Serves the embedded database (PGlite + pgvector) as a standalone Postgres-protocol server, so the
 * same e2e suites can run against it through DATABASE_URL (CI's server pass).
 * Usage: node dist/cli/pg-server.js --dir <data dir> --port <port> [--shared-buffers 128MB] */
import { EmbeddedPostgres } from '../shared/database/embedded-postgres';

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
  };
  const server = new EmbeddedPostgres({
    dir: arg('dir', './data/pg-server'),
    port: Number(arg('port', '5439')),
    maxConnections: 32,
    sharedBuffers: arg('shared-buffers', '128MB'),
  });
  const { url } = await server.start();
  server.describeOwner('pg-server'); // an ingest run that finds the dir locked says so instead of waiting for an HTTP API
  console.log(`pglite server ready: ${url}`);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: Error) => {
  console.error(`pg-server failed: ${e.message}`);
  process.exit(1);
});
