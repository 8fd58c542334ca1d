/* Small measurement helpers shared by the benchmark scripts (no timing assertions: these are reports). */
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface LatencyStats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** Per second, sequential (one in flight): n / the summed time given to summarize(). */
  qps: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples: number[], wallMs: number): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    n: samples.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sum / (samples.length || 1),
    qps: samples.length / (wallMs / 1000),
  };
}

/** Forces a collection when run with --expose-gc (the npm scripts do), so one phase's garbage is not billed to the next. */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}

/** Samples RSS every 100 ms (and on demand) and keeps the maximum. */
export class PeakRss {
  private peak = process.memoryUsage.rss();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  sample(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
    return this.peak;
  }

  /** Peak since construction (or the last reset), in MiB. */
  get mib(): number {
    return this.sample() / 1024 / 1024;
  }

  reset(): void {
    this.peak = process.memoryUsage.rss();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface MachineInfo {
  nproc: number;
  cpu: string;
  ramGiB: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  let nproc = cpus().length;
  try {
    nproc = Number(execSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    /* keep os.cpus() */
  }
  return {
    nproc,
    cpu: cpus()[0]?.model ?? 'unknown',
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Which database the figures are for: embedded PGlite unless DATABASE_URL is set. */
export function databaseMode(): string {
  const url = process.env.DATABASE_URL;
  if (!url) return 'embedded PGlite (WASM Postgres + pgvector, in-process, over a loopback socket)';
  try {
    const u = new URL(url);
    return `Postgres server via DATABASE_URL (${u.hostname}:${u.port || 5432}${u.pathname})`;
  } catch {
    return 'Postgres server via DATABASE_URL';
  }
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A GitHub-flavoured markdown table. */
export function markdownTable(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(String).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
