import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/shared/database/embedded-postgres';
import { RESET_TABLES_SQL } from './app';
import { suiteLogDestination } from './suite-logs';

const ROOT = join(__dirname, '..', '..');

/** Brings dist/ up to date (a no-op when it is current, as in CI after `npm run build`); its output only on failure. */
export function buildIfStale(): void {
  try {
    execFileSync(process.execPath, [join(ROOT, 'src', 'cli', 'build-if-stale.cjs')], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    const err = e as { status?: number; stdout?: Buffer; stderr?: Buffer };
    throw new Error(`build-if-stale.cjs exited with ${err.status}:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

export interface LogLine {
  level: number;
  msg: string;
  context?: string;
  phase?: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The real server as production runs it: `node dist/main.js` on the test profile with JSON logs, its own DATA_DIR
 * (embedded database) or the DATABASE_URL of this run (CI's server pass), PORT=0 and the port read from its
 * "listening" line. Its log lines go to the suite's log (printed when a test of the suite fails) and are kept
 * parsed for assertions.
 */
export class ServerProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<Exit>;
  private url?: string;
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly startedAt: number,
  ) {
    const sink = suiteLogDestination();
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (sink) sink.write(`[pid ${child.pid}] ${line}\n`);
        else if (process.env.LOG_LEVEL) process.stdout.write(`[pid ${child.pid}] ${line}\n`);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ level: 50, msg: line });
        }
        for (const w of this.waiters) w();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => (resolve({ code, signal }), [...this.waiters].forEach((w) => w()))));
  }

  /** Spawns the server and resolves once it listens (not yet ready: see {@link ready}). */
  static async start(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        APP_PROFILES: 'test',
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        DATABASE_URL: process.env.DATABASE_URL ?? '',
        EMBEDDER_PROVIDER: 'hashing',
        LLM_PROVIDER: 'extractive',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, Date.now());
    const line = await server.waitForLog((l) => /acervo listening on /.test(l.msg), 60_000);
    server.url = /listening on (http:\/\/\S+?)(?: |$)/.exec(line.msg)![1].replace('localhost', '127.0.0.1');
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get baseUrl(): string {
    return this.url!;
  }

  /** Resolves when /health/ready answers 200; the time from spawn to then, in ms. */
  async ready(timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(`${this.baseUrl}/health/ready`).catch(() => undefined);
      if (res?.status === 200) return Date.now() - this.startedAt;
      if (Date.now() > deadline) throw new Error(`not ready in ${timeoutMs} ms (last: ${res?.status ?? 'no answer'})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The first log line (already seen or still to come) that matches; rejects if the process exits first. */
  waitForLog(match: (l: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      let exited = false;
      void this.exited.then(() => (exited = true));
      const check = () => {
        const found = this.logs.find(match);
        if (found) return done(() => resolve(found));
        if (exited || this.child.exitCode !== null || this.child.signalCode !== null) {
          done(() => reject(new Error(`server exited before the expected log line; last lines:\n${this.tail()}`)));
        }
      };
      const timer = setTimeout(() => done(() => reject(new Error(`log line not seen in ${timeoutMs} ms; last lines:\n${this.tail()}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  phase(name: string): LogLine | undefined {
    return this.logs.find((l) => l.context === 'Shutdown' && l.phase === name);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGKILL (if still running) and the exit. */
  async kill(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  tail(n = 15): string {
    return this.logs
      .slice(-n)
      .map((l) => `${l.context ?? ''} ${l.msg}`)
      .join('\n');
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows as pg returns them
export type Query = (sql: string, params?: unknown[]) => Promise<Array<Record<string, any>>>;

/**
 * SQL on the database a server process used: DATABASE_URL in the server pass, else the embedded database in
 * `dataDir` opened in this process (the server must have stopped: it holds the data dir's lock).
 */
export async function withDatabase<T>(dataDir: string, fn: (query: Query) => Promise<T>): Promise<T> {
  let embedded: EmbeddedPostgres | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    embedded = new EmbeddedPostgres({ dir: join(dataDir, 'pg'), maxConnections: 4 });
    url = (await embedded.start()).url;
  }
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return await fn(async (sql, params) => (await client.query(sql, params)).rows);
  } finally {
    await client.end().catch(() => undefined);
    await embedded?.stop();
  }
}

/** The server pass shares one database between suites: empty it (after a server process ran the migrations). */
export async function resetServerDatabase(): Promise<void> {
  if (process.env.DATABASE_URL) await withDatabase('', (query) => query(RESET_TABLES_SQL));
}
