import { ChildProcess, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';

export interface TestRedis {
  port: number;
  url: string;
  pid: number;
  /** SIGKILL: the server vanishes mid-run (connections reset, nothing saved). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: it saves nothing). */
  restart(): Promise<void>;
  /** CLIENT PAUSE: the server stays connected but answers no client's command for `ms` (a hung Redis). */
  pause(ms: number): Promise<void>;
  stop(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** A free TCP port on loopback (the OS picks it; released before Redis binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => (s.destroy(), resolve(ok));
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/**
 * A real `redis-server` for one suite, on a free loopback port, with persistence off. Tests kill it by the
 * pid it started (never by name) and stop it in afterAll.
 */
export async function startRedis(onPort?: number): Promise<TestRedis> {
  const port = onPort ?? (await freePort());
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) => child.once('error', reject));
    for (let i = 0; i < 100; i++) {
      if (await Promise.race([answersPing(port), failed])) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on port ${port}`);
  };
  await launch();
  const handle: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid!;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    restart: launch,
    pause: (ms) =>
      new Promise<void>((resolve, reject) => {
        const s = new Socket();
        s.once('error', reject);
        s.connect(port, '127.0.0.1', () => s.write(`CLIENT PAUSE ${ms}\r\n`));
        s.once('data', (d) => (s.destroy(), d.toString().startsWith('+OK') ? resolve() : reject(new Error(`CLIENT PAUSE: ${d.toString()}`))));
      }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
  return handle;
}

/** The name the queue suite uses. */
export type RedisServer = TestRedis;
