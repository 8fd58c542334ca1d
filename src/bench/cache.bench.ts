/*
 * Response cache throughput and latency over real HTTP (the production app, listening on loopback):
 *
 *   npm run bench:cache        (nest build && node dist/bench/cache.bench.js)
 *
 * For each store (in memory; Redis from a redis-server this script starts on a free port, when
 * /usr/bin/redis-server or REDIS_SERVER exists), measured side by side in one run with autocannon at
 * 8 connections for BENCH_CACHE_SECONDS (default 8) each:
 *   - GET /health/live (the bare app: routing, middleware, no work) and POST /v1/ask with one question,
 *     cached (every request after the first is a hit), in 4 interleaved rounds of SECONDS/4 each;
 *   - POST /v1/ask and POST /v1/search uncached (cache.response.enabled switched off at runtime, same app).
 * Then a hit's latency next to a miss's: BENCH_CACHE_QUESTIONS (default 200) distinct questions, each asked
 * twice in a row by one client (miss, then hit). Target: cached /v1/ask >= 60% of /health/live throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { createApp } from '../configure-app';
import { AppConfig, loadConfig } from '../shared/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { markdownTable, round, summarize } from './stats';

const SECONDS = Number(process.env.BENCH_CACHE_SECONDS ?? 8);
const QUESTIONS = Number(process.env.BENCH_CACHE_QUESTIONS ?? 200);
const CONNECTIONS = 8;
const ROUNDS = 4;
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

const KB = [
  { title: 'Atendimento', text: 'O horário de atendimento do suporte humano é das 09h às 18h, de segunda a sexta, exceto feriados. Aos sábados o atendimento é apenas por chat automático.' },
  { title: 'Reembolso', text: 'Para pedir reembolso, abra um ticket no Jira com a tag financeiro e anexe os comprovantes. O prazo de análise é de cinco dias úteis.' },
  { title: 'Backups', text: 'Backups automáticos são realizados diariamente às 02h00 com retenção de 30 dias. As restaurações são pedidas ao time de infraestrutura.' },
  { title: 'Férias', text: 'Cada colaborador tem direito a 30 dias de férias por ano, que podem ser divididos em até três períodos, um deles com pelo menos 14 dias.' },
];
const QUESTION_STEMS = ['Qual é o horário de atendimento do suporte', 'Como pedir reembolso no Jira', 'Quando são feitos os backups', 'Quantos dias de férias tenho por ano'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ url: string; child: ChildProcess } | null> {
  if (!existsSync(REDIS_SERVER)) return null;
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  return { url: `redis://127.0.0.1:${port}`, child };
}

type Run = { rps: number; p50: number; p99: number; non2xx: number };

/** Rounds of equal length: mean throughput, the median round's p50, the worst round's p99. */
function merge(runs: Run[]): Run {
  const p50s = runs.map((r) => r.p50).sort((a, b) => a - b);
  return {
    rps: runs.reduce((a, r) => a + r.rps, 0) / runs.length,
    p50: p50s[Math.floor(p50s.length / 2)],
    p99: Math.max(...runs.map((r) => r.p99)),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
  };
}

async function cannon(base: string, path: string, body?: unknown, seconds = SECONDS): Promise<Run> {
  const r = await autocannon({
    url: base + path,
    connections: CONNECTIONS,
    duration: seconds,
    method: body ? 'POST' : 'GET',
    headers: body ? { 'content-type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors };
}

async function post(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200 && res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function benchStore(store: 'memory' | 'redis', redisUrl?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'acervo-bench-cache-'));
  const config: AppConfig = loadConfig({
    env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'error', LOG_FORMAT: 'json', REDIS_URL: redisUrl ?? '' },
    // Rate limits on (the guard and its counts are in the measured path) but far above what 8 connections send.
    overrides: { cache: { response: { enabled: true } }, http: { backpressure: { maxInFlight: 0 } }, rateLimit: { perMinute: 100_000_000, perIpPerMinute: 100_000_000 } },
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  try {
    for (const d of KB) await post(base, '/v1/documents', { ...d, collection: 'kb' });
    const ask = { question: `${QUESTION_STEMS[0]}?`, collection: 'kb' };
    await post(base, '/v1/ask', ask);
    await cannon(base, '/health/live', undefined, 2); // warm-up of the HTTP path
    // Interleaved rounds, so both see the same machine state (other work on a shared machine comes and goes).
    const liveRounds = [];
    const cachedRounds = [];
    for (let i = 0; i < ROUNDS; i++) {
      liveRounds.push(await cannon(base, '/health/live', undefined, SECONDS / ROUNDS));
      cachedRounds.push(await cannon(base, '/v1/ask', ask, SECONDS / ROUNDS));
    }
    const live = merge(liveRounds);
    const cached = merge(cachedRounds);
    config.cache.response.enabled = false;
    const uncached = await cannon(base, '/v1/ask', ask);
    const search = await cannon(base, '/v1/search', { query: QUESTION_STEMS[0], collection: 'kb' });
    config.cache.response.enabled = true;
    const miss: number[] = [];
    const hit: number[] = [];
    let wallMiss = 0;
    let wallHit = 0;
    for (let i = 0; i < QUESTIONS; i++) {
      const q = { question: `${QUESTION_STEMS[i % QUESTION_STEMS.length]} (${store} ${i})?`, collection: 'kb' };
      let t = performance.now();
      const a = await post(base, '/v1/ask', q);
      const m = performance.now() - t;
      t = performance.now();
      const b = await post(base, '/v1/ask', q);
      const h = performance.now() - t;
      if (a.cache !== 'miss' || b.cache !== 'hit') throw new Error(`expected miss then hit, got ${String(a.cache)} then ${String(b.cache)}`);
      miss.push(m);
      hit.push(h);
      wallMiss += m;
      wallHit += h;
    }
    return { store, live, cached, uncached, search, miss: summarize(miss, wallMiss), hit: summarize(hit, wallHit) };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const redis = await startRedis();
  try {
    const runs = [await benchStore('memory')];
    if (redis) runs.push(await benchStore('redis', redis.url));
    const rows: Array<Array<string | number>> = [];
    const verdicts: string[] = [];
    for (const r of runs) {
      const row = (what: string, x: { rps: number; p50: number; p99: number; non2xx: number }) => [r.store, what, round(x.rps, 0), x.p50, x.p99, x.non2xx];
      rows.push(row('GET /health/live', r.live), row('POST /v1/ask, cached (hit)', r.cached), row('POST /v1/ask, uncached', r.uncached), row('POST /v1/search', r.search));
      const ratio = r.cached.rps / r.live.rps;
      verdicts.push(`- ${r.store}: cached /v1/ask = **${round(ratio * 100, 0)}%** of /health/live (target >= 60%: ${ratio >= 0.6 ? 'met' : 'NOT met'})`);
    }
    const lat = markdownTable(
      ['store', 'request', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'mean ms'],
      runs.flatMap((r) => [
        [r.store, 'miss (retrieval + extractive answer)', r.miss.n, round(r.miss.p50), round(r.miss.p95), round(r.miss.p99), round(r.miss.mean)],
        [r.store, 'hit (same question again)', r.hit.n, round(r.hit.p50), round(r.hit.p95), round(r.hit.p99), round(r.hit.mean)],
      ]),
    );
    const body = [
      '## Response cache (`npm run bench:cache`)',
      '',
      runHeader('npm run bench:cache'),
      `- The production app over loopback HTTP, a 4-document collection, the extractive LLM; autocannon, ${CONNECTIONS} connections, ${SECONDS} s per row; /health/live and the cached /v1/ask in ${ROUNDS} interleaved rounds of ${SECONDS / ROUNDS} s (mean req/s, median round's p50, worst round's p99), the other rows after them; load shedding off; rate limits on but far above the load (every request passes the guard)`,
      `- Uncached rows: \`cache.response.enabled\` switched off at runtime in the same app. Redis: a local \`redis-server\` (persistence off) started by the script`,
      '',
      markdownTable(['store', 'request', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx + errors'], rows),
      '',
      ...verdicts,
      '',
      `A hit's latency next to a miss's: ${QUESTIONS} distinct questions, each asked twice in a row by one client (wall time per request, client side):`,
      '',
      lat,
    ].join('\n');
    console.log(body);
    if (shouldWriteDocs()) writeSection('cache', body);
  } finally {
    redis?.child.kill('SIGTERM');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
