import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AppModule } from '../app.module';
import { IngestTextHandler } from '../modules/ingestion';
import { SearchHandler } from '../modules/retrieval';
import { AppConfig, DeepPartial, loadConfig } from '../shared/config';
import { DATA_SOURCE } from '../shared/database';
import type { DataSource } from 'typeorm';

export interface BenchContext {
  app: INestApplicationContext;
  config: AppConfig;
  ingest: IngestTextHandler;
  search: SearchHandler;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** The real application (no HTTP) on a throwaway embedded database, or DATABASE_URL when set. */
export async function benchApp(overrides: DeepPartial<AppConfig> = {}): Promise<BenchContext> {
  const dir = mkdtempSync(join(tmpdir(), 'acervo-bench-'));
  const config = loadConfig({
    env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', LOG_FORMAT: 'json' },
    overrides,
  });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'], abortOnError: false });
  await app.init();
  return {
    app,
    config,
    ingest: app.get(IngestTextHandler),
    search: app.get(SearchHandler),
    dataSource: app.get(DATA_SOURCE),
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
