import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createApp } from './configure-app';
import { ConfigError, loadConfig } from './shared/config';
import { bootLogger } from './shared/logging';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  let app;
  try {
    app = await createApp(config, { handleSignals: true });
    await app.listen(config.app.port);
  } catch (e) {
    // One line in the configured format (JSON with LOG_FORMAT=json), no stack trace: a refused start is routine
    // (the stack follows at debug, for a boot that fails for another reason).
    const log = bootLogger(config);
    log.fatal?.(`acervo failed to start: ${(e as Error).message}`, 'Bootstrap');
    log.debug?.(String((e as Error).stack), 'Bootstrap');
    process.exit(1);
  }
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  app.get(Logger).log(`acervo listening on ${url} (Swagger UI: ${url}/docs)`, 'Bootstrap');
}

main().catch((e: Error) => {
  console.error(`acervo failed to start: ${e.message}`);
  process.exit(1);
});
