import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import supertest from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/configure-app';
import { AppConfig, DeepPartial, loadConfig } from '../../src/shared/config';
import { DATA_SOURCE } from '../../src/shared/database';
import { suiteLogDestination } from './suite-logs';

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<typeof supertest>;
  config: AppConfig;
  dataDir: string;
  dataSource: DataSource;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

export const SERVER_MODE = !!process.env.DATABASE_URL;

/** Empties every table of the knowledge base (the server pass shares one database between suites). */
/**
 * `chunks` as searches see them, for a FROM clause: each chunk's `dimension` read from the vector slot its collection
 * reads (collections.vector_slot, which a re-index flips).
 */
export const LIVE_CHUNKS_SQL =
  '(SELECT c.id, c.collection, CASE k.vector_slot WHEN 1 THEN c.dimension_1 ELSE c.dimension END AS dimension FROM chunks c JOIN collections k ON k.name = c.collection) chunks';

export const RESET_TABLES_SQL = 'TRUNCATE job_files, jobs, source_locks, reindex_jobs, chunks, documents, collections, lexeme_stats, postings, collection_stats, conversations, conversation_messages, usage_records, budget_alerts, audit_log, sales, api_keys, collection_access, shared_state, user_forgets CASCADE';

/**
 * The production app (same createApp/configureApp as main.ts) on the test profile, with its own
 * embedded database under a temp DATA_DIR — or on DATABASE_URL when set (CI's server pass), where
 * the tables are emptied first so suites stay independent.
 */
export async function startTestApp(
  overrides: DeepPartial<AppConfig> = {},
  opts: { dataDir?: string; reset?: boolean; onLog?: (line: string) => void } = {},
): Promise<TestApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'acervo-e2e-'));
  const config = loadConfig({ env: { ...process.env, APP_PROFILES: 'test', DATA_DIR: dataDir }, overrides });
  // Log lines are kept per suite and shown only when one of its tests fails (or at once with LOG_LEVEL set).
  const suiteLog = suiteLogDestination();
  // onLog sees every line too (a test that asserts what is logged), besides the suite's own log
  const onLog = opts.onLog;
  const logDestination = onLog
    ? { write: (line: string) => (onLog(line), suiteLog ? suiteLog.write(line) : process.stdout.write(line)) }
    : suiteLog;
  const app = await createApp(config, { logDestination });
  await app.init();
  const dataSource = app.get<DataSource>(DATA_SOURCE);
  if (SERVER_MODE && opts.reset !== false) {
    await dataSource.query(RESET_TABLES_SQL);
  }
  return {
    app,
    http: supertest(app.getHttpServer()),
    config,
    dataDir,
    dataSource,
    close: async ({ keepData } = {}) => {
      await app.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Asserts an RFC 9457 problem+json answer and returns its body. */
/** An error of the OpenAI-compatible routes: OpenAI's error body (what the SDKs read), the status and acervo's code. */
export function expectOpenAiError(res: supertest.Response, status: number, code: string): { message: string; type: string; code: string; param: string | null } {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ error: { message: expect.any(String), type: expect.any(String), code, param: res.body.error.param === null ? null : expect.any(String) } });
  return res.body.error;
}

export function expectProblem(res: supertest.Response, status: number, code: string): Record<string, unknown> {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, title: expect.any(String), detail: expect.any(String), type: expect.stringContaining('http') });
  expect(res.body.requestId).toEqual(res.headers['x-request-id']);
  return res.body;
}
