/* The real HTTP app on 127.0.0.1 with SQuAD-pt dev seeded, for the load benchmarks (bench:concurrency, bench:soak). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../configure-app';
import { IngestTextHandler } from '../modules/ingestion';
import { type AppConfig, loadConfig } from '../shared/config';
import { loadSquad } from './squad';

export interface LoadApp {
  app: INestApplication;
  config: AppConfig;
  url: string;
  /** The seeded collection (unique per run in server mode, where the database outlives the run). */
  collection: string;
  squad: ReturnType<typeof loadSquad>;
  close(): Promise<void>;
}

/** Starts the app (embedded database in a temp dir, or DATABASE_URL), rate limiter off, and seeds SQuAD-pt dev. */
export async function startLoadApp(name: string): Promise<LoadApp> {
  const dir = mkdtempSync(join(tmpdir(), `acervo-bench-${name}-`));
  const collection = process.env.DATABASE_URL ? `bench-${name}-${Date.now().toString(36)}` : `bench-${name}`;
  const config = loadConfig({
    env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', LOG_FORMAT: 'json' },
    overrides: { rateLimit: { enabled: false } },
  });
  const app = await createApp(config, { logDestination: { write: (l: string) => (process.env.LOG_LEVEL ? process.stdout.write(l) : true) } });
  const close = async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    console.log(`listening on ${url}; seeding`);
    const squad = loadSquad();
    const outcomes = await app.get(IngestTextHandler).executeMany(
      squad.paragraphs.map((p) => ({ collection, title: p.article.replace(/_/g, ' '), text: p.context, sourceType: 'json' as const, sourceId: p.id, mimeType: 'text/plain' })),
    );
    if (outcomes.some((o) => o.error)) throw new Error('seeding failed');
    return { app, config, url, collection, squad, close };
  } catch (e) {
    await close();
    throw e;
  }
}
