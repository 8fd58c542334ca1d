import { spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/**
 * A real redis-server for one suite on a free loopback port, persistence off; stopped by the pid it started.
 * (The cache and queue branches carry a fuller test/support/redis.ts; this one only starts and stops.)
 */
export async function startRedisServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address() as { port: number };
      srv.close(() => resolve(p));
    });
  });
  const child = spawn(process.env.REDIS_SERVER ?? '/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const s = new Socket();
      const done = (ok: boolean) => (s.destroy(), resolve(ok));
      s.setTimeout(500, () => done(false));
      s.once('error', () => done(false));
      s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
      s.once('data', (d) => done(d.toString().startsWith('+PONG')));
    });
  for (let i = 0; !(await ping()); i++) {
    if (i > 100) throw new Error(`redis-server did not answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))),
  };
}
