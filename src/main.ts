import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createApp } from './configure-app';
import { ConfigError, loadConfig } from './shared/config';

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
  const app = await createApp(config, { handleSignals: true });
  await app.listen(config.app.port);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  app.get(Logger).log(`acervo listening on ${url} (Swagger UI: ${url}/docs)`, 'Bootstrap');
}

main().catch((e: Error) => {
  console.error(`acervo failed to start: ${e.message}`);
  process.exit(1);
});
