/*
 * CI's server pass runs the e2e suites on two jest workers, each against a Postgres-protocol server of its own
 * (the suites reset the tables they use, so two suites must never share one database): DATABASE_URLS lists one
 * URL per worker, and each test file of worker N gets the N-th as DATABASE_URL. Without DATABASE_URLS: no-op.
 */
const urls = (process.env.DATABASE_URLS ?? '').split(',').filter(Boolean);
if (urls.length > 0) {
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  if (worker > urls.length) throw new Error(`jest worker ${worker} has no database: DATABASE_URLS lists ${urls.length}`);
  process.env.DATABASE_URL = urls[worker - 1];
}
