import { readdirSync, readFileSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';

const MB = 2 ** 20;
/** The smallest automatic cache: PGlite's own 128MB doubled, so a knowledge base can grow to ~50k chunks before it is too small. */
export const AUTO_FLOOR_BYTES = 256 * MB;
/** The largest cache the embedded engine can take (its WASM heap is 32-bit) and the config allows. */
export const MAX_SHARED_BUFFERS_BYTES = 1024 * MB;
/** At most this share of the memory the process may use. */
const MEMORY_SHARE = 0.25;
/** Room to grow over the data measured at boot. */
const GROWTH = 1.5;

export interface BufferCacheSize {
  /** The Postgres setting, e.g. `384MB`. */
  setting: string;
  bytes: number;
  /** `auto` when sized here, `configured` when database.embedded.sharedBuffers gave a size. */
  source: 'auto' | 'configured';
  /** The embedded data directory's size at boot. */
  dataBytes: number;
  /** The most `auto` may choose on this machine: a quarter of the memory limit, at most 1GB. */
  capBytes: number;
  /** The memory limit it was computed from (cgroup limit, else physical memory). */
  memoryLimitBytes: number;
}

/**
 * The buffer cache `auto` chooses: the data measured at boot with room to grow (x1.5), at least 256MB, at most a
 * quarter of the memory limit and 1GB, rounded up to 32MB. The engine allocates all of it at start (resident).
 */
export function autoSharedBuffers(dataBytes: number, memoryLimitBytes: number): number {
  const cap = capFor(memoryLimitBytes);
  const wanted = Math.max(AUTO_FLOOR_BYTES, dataBytes * GROWTH);
  return Math.max(16 * MB, Math.min(cap, Math.ceil(wanted / (32 * MB)) * 32 * MB));
}

function capFor(memoryLimitBytes: number): number {
  return Math.max(128 * MB, Math.min(MAX_SHARED_BUFFERS_BYTES, Math.floor((memoryLimitBytes * MEMORY_SHARE) / MB) * MB));
}

/** Resolves database.embedded.sharedBuffers (`auto` or a size) for the data directory `dataDir`. */
export function resolveBufferCache(setting: string, dataDir: string, memoryLimitBytes = memoryLimit()): BufferCacheSize {
  const dataBytes = directoryBytes(dataDir);
  const capBytes = capFor(memoryLimitBytes);
  if (setting !== 'auto') return { setting, bytes: settingBytes(setting), source: 'configured', dataBytes, capBytes, memoryLimitBytes };
  const bytes = autoSharedBuffers(dataBytes, memoryLimitBytes);
  return { setting: `${Math.round(bytes / MB)}MB`, bytes, source: 'auto', dataBytes, capBytes, memoryLimitBytes };
}

/**
 * What the operator should hear about a data directory of `dataBytes` under this cache, or nothing: the data has
 * outgrown what embedded mode can cache (server mode is the next step), or what this boot sized the cache for.
 */
export function bufferCacheAdvice(cache: BufferCacheSize, dataBytes: number): string | undefined {
  const mb = (b: number) => `${Math.round(b / MB)}MB`;
  if (dataBytes > cache.capBytes)
    return (
      `the embedded database holds ${mb(dataBytes)}, more than the ${mb(cache.capBytes)} buffer cache embedded mode can give it on this machine ` +
      `(shared_buffers ${cache.setting}): searches will read from disk and slow down. The next step is server mode: Postgres with ` +
      `pgvector as a server, DATABASE_URL pointing at it (docs/operations.md, "Embedded database buffer cache")`
    );
  if (dataBytes > cache.bytes)
    return cache.source === 'auto'
      ? `the embedded database grew to ${mb(dataBytes)}, past its ${cache.setting} buffer cache: restart to let database.embedded.sharedBuffers=auto size it again (up to ${mb(cache.capBytes)})`
      : `the embedded database holds ${mb(dataBytes)}, more than its ${cache.setting} buffer cache (database.embedded.sharedBuffers): raise it, or set it to auto`;
  return undefined;
}

/** Which advice {@link bufferCacheAdvice} gives: past what embedded mode can cache, past the boot-time cache, or none. */
export function adviceKind(cache: BufferCacheSize, dataBytes: number): 'embedded' | 'cache' | undefined {
  return dataBytes > cache.capBytes ? 'embedded' : dataBytes > cache.bytes ? 'cache' : undefined;
}

/** Bytes of the files under `dir` (0 when it does not exist yet). */
export function directoryBytes(dir: string): number {
  let total = 0;
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(d, name);
      try {
        const st = statSync(full);
        if (st.isDirectory()) walk(full);
        else total += st.size;
      } catch {
        /* removed meanwhile */
      }
    }
  };
  walk(dir);
  return total;
}

/** The memory this process may use: the cgroup limit (v2, then v1) when there is one, else physical memory. */
export function memoryLimit(): number {
  const physical = totalmem();
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const v = Number(readFileSync(file, 'utf8').trim());
      if (Number.isFinite(v) && v > 0 && v < physical) return v;
    } catch {
      /* not there, or "max" */
    }
  }
  return physical;
}

function settingBytes(v: string): number {
  const m = /^(\d+)(kB|MB|GB)$/.exec(v);
  return m ? Number(m[1]) * { kB: 2 ** 10, MB: MB, GB: 2 ** 30 }[m[2] as 'kB' | 'MB' | 'GB'] : 0;
}
