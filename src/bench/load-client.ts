/*
 * The load benchmarks' HTTP client (autocannon) in a process of its own, as real clients are: run in the app's
 * process, autocannon shares the app's event loop, so its CPU is counted as the app's and a response waits there,
 * behind the app's own work, before the client reads it and stops the clock. `runLoad` forks this file and gets
 * the figures back over IPC.
 */
import { fork } from 'node:child_process';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  path: string;
  connections: number;
  seconds: number;
  /** JSON bodies, sent in turn (each connection takes the next one). */
  bodies: Array<Record<string, unknown>>;
  /** Fields of the body made unique per request (a new document each time): " <run> <n>" appended. */
  uniqueFields?: string[];
}

export interface LoadResult {
  total: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Connection errors + timeouts + non-2xx answers. */
  errors: number;
}

/** Sends `spec`'s requests with autocannon in this process. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  let n = 0;
  const run = Date.now().toString(36);
  const next = (): string => {
    const body = { ...spec.bodies[n % spec.bodies.length] };
    for (const f of spec.uniqueFields ?? []) body[f] = `${String(body[f])} ${run} ${n}`;
    n++;
    return JSON.stringify(body);
  };
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: 30,
    requests: [{ method: 'POST', path: spec.path, headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: next() }) }],
  });
  return {
    total: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** Runs `load(spec)` in a child process (this file) and resolves with its figures. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | undefined;
    child.on('message', (m: { result?: LoadResult; error?: string }) => {
      if (m.error) reject(new Error(m.error));
      else result = m.result;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`load client exited with ${code}`))));
    child.send(spec);
  });
}

if (require.main === module) {
  process.once('message', (spec: LoadSpec) => {
    load(spec).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (e: unknown) => process.send!({ error: e instanceof Error ? e.message : String(e) }, () => process.exit(1)),
    );
  });
}
