import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AppModule } from '../app.module';
import { IngestTextHandler } from '../modules/ingestion';
import { SearchHandler } from '../modules/retrieval';
import { AppConfig, DeepPartial, loadConfig, resolveDataPath } from '../shared/config';
import { DATA_SOURCE } from '../shared/database';
import type { DataSource } from 'typeorm';

export interface BenchContext {
  app: INestApplicationContext;
  config: AppConfig;
  ingest: IngestTextHandler;
  search: SearchHandler;
  dataSource: DataSource;
  close(): Promise<void>;
  /**
   * Embedded mode only: closes the application and keeps a copy of the embedded database's data
   * directory at `to` (replacing what was there), for `benchApp(..., { seedDataDir: to })` to reopen.
   */
  closeAndSave(to: string): Promise<void>;
}

export interface BenchAppOptions {
  /** Embedded mode only: start from a copy of this saved data directory instead of an empty database. */
  seedDataDir?: string;
}

/** The real application (no HTTP) on a throwaway embedded database, or DATABASE_URL when set. */
export async function benchApp(overrides: DeepPartial<AppConfig> = {}, options: BenchAppOptions = {}): Promise<BenchContext> {
  const dir = mkdtempSync(join(tmpdir(), 'acervo-bench-'));
  const config = loadConfig({
    env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', LOG_FORMAT: 'json' },
    overrides,
  });
  const pgDir = resolveDataPath(config, config.database.embedded.dir);
  if (options.seedDataDir && !config.database.url) {
    mkdirSync(dirname(pgDir), { recursive: true });
    cpSync(options.seedDataDir, pgDir, { recursive: true });
  }
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
    closeAndSave: async (to: string) => {
      if (config.database.url) throw new Error('closeAndSave needs the embedded database');
      await app.close();
      const staging = `${to}.tmp-${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(dirname(to), { recursive: true });
      cpSync(pgDir, staging, { recursive: true });
      rmSync(join(staging, 'acervo.lock'), { force: true });
      rmSync(to, { recursive: true, force: true });
      renameSync(staging, to);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
