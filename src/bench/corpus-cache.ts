/*
 * Snapshot of the embedded database holding the synthetic 100k corpus, so bench:search does not
 * rebuild it (about 8 minutes on 2 cores) after bench:ingest or a previous bench:search built it.
 *
 * The snapshot is keyed by a fingerprint of the compiled application (every .js under dist/ outside
 * dist/bench, plus the bench files that build the corpus): any change to the schema, the adapter, the
 * embedder, the chunker or the generator gives a new key and a rebuild. Embedded mode only. BENCH_NO_CACHE=1 disables it;
 * BENCH_CACHE_DIR moves it (default: $TMPDIR/acervo-bench-cache). Snapshots of other code versions are deleted.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { serverMode } from './corpora';

/** The benchmark files that shape the stored corpus; the other drivers and helpers under dist/bench do not. */
const CORPUS_BENCH_FILES = new Set(['bench/bench-app.js', 'bench/bulk-load.js', 'bench/corpora.js', 'bench/synthetic.js']);

export interface SnapshotMeta {
  fingerprint: string;
  docs: number;
  chunks: number;
  collection: string;
  builtBy: string;
  builtAt: string;
  buildSeconds: number;
}

export function cacheEnabled(): boolean {
  return !serverMode() && process.env.BENCH_NO_CACHE !== '1';
}

function cacheRoot(): string {
  return process.env.BENCH_CACHE_DIR ?? join(tmpdir(), 'acervo-bench-cache');
}

/** sha256 over the compiled application's .js files (paths and contents), first 16 hex digits. */
export function codeFingerprint(distRoot = resolve(__dirname, '..')): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.js')) {
        const rel = relative(distRoot, full).split('\\').join('/');
        if (rel.startsWith('bench/') && !CORPUS_BENCH_FILES.has(rel)) continue;
        hash.update(rel).update('\0').update(readFileSync(full)).update('\0');
      }
    }
  };
  walk(distRoot);
  return hash.digest('hex').slice(0, 16);
}

export function snapshotDir(docs: number, fingerprint = codeFingerprint()): string {
  return join(cacheRoot(), `synthetic-${docs}-${fingerprint}`);
}

/** The snapshot for this corpus size and code, if one was saved completely. */
export function findSnapshot(docs: number): { dir: string; meta: SnapshotMeta } | null {
  if (!cacheEnabled()) return null;
  const dir = snapshotDir(docs);
  const metaFile = `${dir}.json`;
  if (!existsSync(dir) || !existsSync(metaFile)) return null;
  return { dir, meta: JSON.parse(readFileSync(metaFile, 'utf8')) as SnapshotMeta };
}

/** Records a saved snapshot and deletes the ones left by other code versions. */
export function recordSnapshot(meta: Omit<SnapshotMeta, 'fingerprint' | 'builtAt'>): void {
  const fingerprint = codeFingerprint();
  const dir = snapshotDir(meta.docs, fingerprint);
  writeFileSync(`${dir}.json`, JSON.stringify({ ...meta, fingerprint, builtAt: new Date().toISOString() }, null, 2));
  for (const name of readdirSync(cacheRoot())) {
    const m = /^synthetic-\d+-([0-9a-f]+)/.exec(name);
    if (m && m[1] !== fingerprint) rmSync(join(cacheRoot(), name), { recursive: true, force: true });
  }
}
