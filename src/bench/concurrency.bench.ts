/*
 * Concurrent clients against the real HTTP app (autocannon): 1, 8 and 32 connections on POST /v1/search
 * (hybrid), POST /v1/ask and POST /v1/documents (a new text each request), BENCH_CONCURRENCY_SECONDS each
 * (default 10), over the SQuAD-pt dev paragraphs.
 *
 *   npm run bench:concurrency                       (embedded PGlite)
 *   DATABASE_URL=postgres://... npm run bench:concurrency   (a Postgres-protocol server, e.g. dist/cli/pg-server.js)
 *
 * "event loop busy" is the application thread's event-loop utilization during the run: near 100% means the
 * request thread's own work (HTTP, JSON, chunking, hashing embedder, ranking) is the limit; low means the
 * requests wait on the database (in embedded mode: the PGlite worker thread, one statement at a time).
 * "longest stall" is the longest the event loop went without reaching its timers (monitorEventLoopDelay, 10 ms
 * resolution, less the resolution): one request's CPU-heavy step shows there, or a whole turn's worth of callbacks
 * when the loop is saturated. "CPU ms/req" is the process's CPU time (user + system, all threads: in embedded mode
 * PGlite's worker too) divided by the requests completed. The client (autocannon) runs in a process of its own
 * (src/bench/load-client.ts), as real clients do; BENCH_CLIENT=inline runs it in the app's process instead, where it
 * shares the app's event loop (its CPU counted as the app's, responses read only when the app's work allows).
 * The rate limiter is off (it would answer 429 by design); everything else is the default configuration.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { load, runLoad } from './load-client';
import { startLoadApp } from './load-app';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { databaseMode, markdownTable, round } from './stats';

const SECONDS = Number(process.env.BENCH_CONCURRENCY_SECONDS ?? 10);
const CLIENTS = (process.env.BENCH_CONCURRENCY_CLIENTS ?? '1,8,32').split(',').map(Number);
/** BENCH_CLIENT=inline runs autocannon in the app's process (as before 2026-12-02); by default it has its own. */
const INLINE_CLIENT = process.env.BENCH_CLIENT === 'inline';
/** BENCH_CONCURRENCY_ROUTES=search,ask,ingest (default all three) runs only those. */
const ROUTES = (process.env.BENCH_CONCURRENCY_ROUTES ?? 'search,ask,ingest').split(',');

interface Row {
  route: string;
  clients: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  elu: number;
  stallMs: number;
  cpuMs: number;
}

const STALL_RESOLUTION_MS = 10;

async function main(): Promise<void> {
  const started = Date.now();
  const { config, url, collection, squad, close } = await startLoadApp('conc');
  const { paragraphs, questions } = squad;
  try {
    console.log(`seeded ${paragraphs.length} documents in ${round((Date.now() - started) / 1000, 1)} s`);
    // each row goes on where the last one stopped in the questions (no answer is served from the cache)
    let offset = 0;
    const runId = Date.now().toString(36);
    const asked = (f: (question: string) => Record<string, unknown>) => questions.map((x) => f(x.question));
    const routes: Array<{ key: string; route: string; path: string; bodies: Array<Record<string, unknown>>; uniqueFields?: string[] }> = [
      { key: 'search', route: 'POST /v1/search (hybrid, top 10)', path: '/v1/search', bodies: asked((query) => ({ query, collection, mode: 'hybrid', top_k: 10 })) },
      { key: 'ask', route: 'POST /v1/ask (extractive)', path: '/v1/ask', bodies: asked((question) => ({ question, collection })) },
      {
        key: 'ingest',
        route: 'POST /v1/documents (JSON text, new each time)',
        path: '/v1/documents',
        bodies: paragraphs.map((p) => ({ title: `carga ${runId}`, text: `${p.context}\n\nCópia de carga`, collection: `${collection}-ingest` })),
        uniqueFields: ['title', 'text'],
      },
    ];
    const rows: Row[] = [];
    for (const r of routes.filter((x) => ROUTES.includes(x.key))) {
      for (const clients of CLIENTS) {
        const elu0 = performance.eventLoopUtilization();
        const cpu0 = process.cpuUsage();
        const delay = monitorEventLoopDelay({ resolution: STALL_RESOLUTION_MS });
        delay.enable();
        const bodies = [...r.bodies.slice(offset % r.bodies.length), ...r.bodies.slice(0, offset % r.bodies.length)];
        const spec = { url, path: r.path, connections: clients, seconds: SECONDS, bodies, uniqueFields: r.uniqueFields };
        const result = INLINE_CLIENT ? await load(spec) : await runLoad(spec);
        offset += result.total;
        const elu = performance.eventLoopUtilization(elu0).utilization;
        delay.disable();
        const cpu = process.cpuUsage(cpu0);
        const stallMs = Math.max(0, Math.round(delay.max / 1e6 - STALL_RESOLUTION_MS));
        const cpuMs = round((cpu.user + cpu.system) / 1000 / Math.max(1, result.total), 1);
        rows.push({ route: r.route, clients, requests: result.total, rps: result.rps, p50: result.p50, p99: result.p99, max: result.max, errors: result.errors, elu, stallMs, cpuMs });
        console.log(
          `${r.route} x${clients}: ${round(result.rps, 1)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms, errors ${result.errors}, event loop busy ${Math.round(elu * 100)}%, longest stall ${stallMs} ms, CPU ${cpuMs} ms/req`,
        );
      }
    }
    const md = markdownTable(
      ['route', 'clients', 'requests', 'req/s', 'x vs 1 client', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'event loop busy', 'longest stall ms', 'CPU ms/req'],
      rows.map((x) => {
        const one = rows.find((y) => y.route === x.route && y.clients === 1);
        return [x.route, x.clients, x.requests, round(x.rps, 1), one ? round(x.rps / one.rps, 2) : '', x.p50, x.p99, x.max, x.errors, `${Math.round(x.elu * 100)}%`, x.stallMs, x.cpuMs];
      }),
    );
    console.log(`\n${md}\n`);
    if (shouldWriteDocs()) {
      writeSection(
        'concurrency',
        `## Concurrency (\`npm run bench:concurrency\`)

${runHeader('npm run bench:concurrency')}
- Database: ${databaseMode()}; pool ${config.database.url ? `${config.database.poolSize} connections` : '1 connection (the embedded session)'}
- The real HTTP app on 127.0.0.1, rate limiter off, SQuAD-pt dev (217 paragraphs) seeded; autocannon ${SECONDS} s per row; "errors" = connection errors + timeouts + non-2xx answers
- "event loop busy" = the app thread's event-loop utilization; "longest stall" = the longest the loop went without reaching its timers (less the 10 ms resolution); "CPU ms/req" = the app process's CPU time (all threads) per completed request; the client (autocannon) runs ${INLINE_CLIENT ? "in the app's process (BENCH_CLIENT=inline), its CPU included" : 'in a process of its own'}
- Total wall time: ${round((Date.now() - started) / 1000, 1)} s

${md}`,
      );
      console.log('docs/BENCHMARKS.md updated (concurrency section)');
    }
  } finally {
    await close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message).slice(0, 4000) : e);
  process.exit(1);
});
