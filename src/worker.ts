import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { resolveJobBackend } from './modules/ingestion';
import { listenForScrapes, PrometheusMetrics } from './modules/metrics';
import { AppConfig, ConfigError, loadConfig } from './shared/config';
import { bootLogger } from './shared/logging';

/**
 * `npm run start:worker`: the application without HTTP, running background jobs (and the folder inbox when
 * INBOX_DIR is set) from the queue the API fills. Same environment as the API; it always consumes, whatever
 * WORKER_EMBEDDED says. It needs a database the API shares (DATABASE_URL): the embedded one belongs to one process.
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig({ overrides: { jobs: { embeddedWorker: true } } });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const log = bootLogger(config);
  if (!config.database.url) {
    log.fatal?.('acervo worker failed to start: it needs DATABASE_URL (the embedded database belongs to the API process)', 'Worker');
    process.exit(1);
  }
  try {
    // its counters live in this process, where no API's /metrics sees them. Bound before the application starts
    // taking jobs (a port in use stops the start, not a job half run); /metrics answers 503 until then.
    const scrape: { metrics?: PrometheusMetrics } = {};
    const port = config.jobs.workerMetricsPort;
    if (port) await listenForScrapes(port, () => scrape.metrics);
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: log, abortOnError: false });
    scrape.metrics = app.get(PrometheusMetrics);
    app.useLogger(app.get(Logger));
    app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
    await app.init();
    const scraped = port ? `, GET /metrics on port ${port}` : '';
    app.get(Logger).log(`acervo worker running (jobs backend ${resolveJobBackend(config.jobs)}, concurrency ${config.jobs.concurrency}${scraped})`, 'Worker');
  } catch (e) {
    log.fatal?.(`acervo worker failed to start: ${(e as Error).message}`, 'Worker');
    log.debug?.(String((e as Error).stack), 'Worker');
    process.exit(1);
  }
}

main().catch((e: Error) => {
  console.error(`acervo worker failed to start: ${e.message}`);
  process.exit(1);
});
