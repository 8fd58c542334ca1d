import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PASSWORD_FILE, readOrCreatePassword } from './credentials';
import { PgliteWorker } from './pglite-worker';
import { PgWireServer } from './pg-wire-server';

export class DataDirLockedError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(
      `The embedded database at ${dir} is in use by another acervo process (pid ${pid}). ` +
        `Stop it, point DATA_DIR elsewhere, or set DATABASE_URL to share a Postgres server.`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** Lock files held by this process (a lock naming our own pid but absent here is stale). */
const heldLocks = new Set<string>();

const LOCK_FILE = 'acervo.lock';
/** Beside the lock: what the holding process is, and where it serves HTTP (JSON, {@link DataDirOwner}). */
const OWNER_FILE = 'acervo.owner.json';

/** The live process holding a data dir, as it described itself (role and url stay unset until it does). */
export interface DataDirOwner {
  pid: number;
  /** `server` (the HTTP API), `ingest` (a CLI run), `pg-server`. */
  role?: string;
  /** Base URL of its HTTP API, for a server. */
  url?: string;
}

/**
 * Who holds the embedded database in `dir`: undefined when nobody does (no lock, or a stale one left by a process
 * that died). Lets the ingest CLI send its files to a running server instead of failing on the lock.
 */
export function dataDirOwner(dir: string): DataDirOwner | undefined {
  let real: string;
  let pid: number;
  try {
    real = realpathSync(dir);
    pid = Number(readFileSync(join(real, LOCK_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!(pid > 0) || (pid === process.pid ? !heldLocks.has(join(real, LOCK_FILE)) : !isAlive(pid))) return undefined;
  try {
    const described = JSON.parse(readFileSync(join(real, OWNER_FILE), 'utf8')) as DataDirOwner;
    if (described.pid === pid) return { pid, role: described.role, url: described.url };
  } catch {
    /* not described yet (still starting) */
  }
  return { pid };
}

export interface EmbeddedPostgresOptions {
  dir: string;
  maxConnections: number;
  /** Postgres `shared_buffers` (e.g. `128MB`); PGlite's default when unset. */
  sharedBuffers?: string;
  /** Port on 127.0.0.1; 0 lets the OS choose. */
  port?: number;
  host?: string;
  /** Where the server reports engine restarts and refused logins. */
  log?: (level: 'log' | 'warn' | 'error', message: string) => void;
}

/**
 * PGlite (Postgres compiled to WASM) with pgvector, persisted in `dir`, served on a loopback socket so
 * the ordinary `pg` driver and TypeORM run the same SQL as against a Postgres server. A lock file
 * keeps a second process from opening the same data dir (which would corrupt it). PGlite runs in a worker
 * thread behind PgWireServer, which requires the password kept in `dir` (PASSWORD_FILE, mode 0600): another
 * local process cannot connect without reading it.
 */
export class EmbeddedPostgres {
  private server?: PgWireServer;
  private lockFile?: string;

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  async start(): Promise<{ host: string; port: number; url: string }> {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    restrictToOwner(this.options.dir);
    this.acquireLock();
    try {
      const password = readOrCreatePassword(join(this.options.dir, PASSWORD_FILE));
      const dataDir = join(this.options.dir, 'data');
      this.server = new PgWireServer({
        host: this.options.host ?? '127.0.0.1',
        port: this.options.port ?? 0,
        password,
        maxConnections: this.options.maxConnections,
        startEngine: () => PgliteWorker.start({ dataDir, sharedBuffers: this.options.sharedBuffers }),
        log: this.options.log,
      });
      const { host, port } = await this.server.start();
      return { host, port, url: `postgres://postgres:${password}@${host}:${port}/postgres` };
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Records beside the lock what this process is and, for a server, its HTTP base URL (see {@link dataDirOwner}). */
  describeOwner(role: string, url?: string): void {
    if (!this.lockFile) return;
    writeFileSync(join(dirname(this.lockFile), OWNER_FILE), JSON.stringify({ pid: process.pid, role, url }));
  }

  async stop(): Promise<void> {
    try {
      await this.server?.stop();
    } finally {
      this.server = undefined;
      this.releaseLock();
    }
  }

  private acquireLock(): void {
    // the real path: the same directory reached through a symlink must find this process's own lock
    const file = join(realpathSync(this.options.dir), LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.lockFile = file;
        heldLocks.add(file);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number(readFileSync(file, 'utf8').trim());
        if (pid === process.pid ? heldLocks.has(file) : pid > 0 && isAlive(pid)) throw new DataDirLockedError(this.options.dir, pid);
        // Stale: left by a process that died, or by an earlier run that had this same pid (a container's
        // PID 1 after an unclean stop) but does not hold it in this process.
        rmSync(file, { force: true });
      }
    }
    throw new Error(`Could not lock ${file}`);
  }

  private releaseLock(): void {
    if (this.lockFile) {
      rmSync(join(dirname(this.lockFile), OWNER_FILE), { force: true });
      rmSync(this.lockFile, { force: true });
      heldLocks.delete(this.lockFile);
    }
    this.lockFile = undefined;
  }
}

/** The data dir is the owner's alone (best effort: a directory someone else owns is left as it is). */
function restrictToOwner(dir: string): void {
  try {
    chmodSync(dir, 0o700);
  } catch {
    /* not ours to change */
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
