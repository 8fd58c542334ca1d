/*
 * Soak: a steady mixed load (search, ask, ingest) against the real HTTP app for a bounded time, sampling the
 * process's memory, to show whether it grows.
 *
 *   npm run bench:soak                         (10 minutes, embedded PGlite)
 *   npm run bench:soak -- --duration 60s       (a smoke run; also 90s, 5m, or BENCH_SOAK_SECONDS)
 *   DATABASE_URL=postgres://... npm run bench:soak
 *
 * The load: autocannon, BENCH_SOAK_CLIENTS connections (default 4), each cycling POST /v1/search (hybrid),
 * POST /v1/ask and POST /v1/documents, capped at BENCH_SOAK_RATE requests/s in all (default 15, about half of
 * what the embedded mode serves on this machine, so the load stays steady rather than saturated). The ingested
 * documents rotate over 200 source ids (each one replaced with new text on its next turn): the data stays the
 * same size, so growth in the figures is the process's, not the knowledge base's.
 *
 * Every BENCH_SOAK_SAMPLE_SECONDS (default 10) after a full GC: RSS (the whole process: the app and, in embedded
 * mode, PGlite's worker and its WebAssembly heap), V8 heap used, external + array buffers. The summary takes the
 * samples after the warm-up (the first 10% of the run, at least one sample): start, max, end and the slope of a
 * least-squares line (MiB per minute). RSS includes PGlite's buffer cache filling up as pages are first read;
 * that levels off once the working set is cached.
 */
import autocannon from 'autocannon';
import { startLoadApp } from './load-app';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { gc, markdownTable, round } from './stats';

const MIB = 2 ** 20;
const ROTATING_SOURCES = 200;

/** `--duration 90s` / `--duration=10m` / BENCH_SOAK_SECONDS; 10 minutes by default. */
export function soakSeconds(argv: string[], env: NodeJS.ProcessEnv): number {
  const at = argv.findIndex((a) => a === '--duration' || a.startsWith('--duration='));
  const raw = at < 0 ? env.BENCH_SOAK_SECONDS : argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  if (raw === undefined) return 600;
  const m = /^(\d+(?:\.\d+)?)(s|m|min|h)?$/.exec(raw.trim());
  if (!m) throw new Error(`--duration ${raw}: expected seconds or a number with s, m or h (90s, 10m)`);
  return Math.round(Number(m[1]) * { s: 1, m: 60, min: 60, h: 3600 }[(m[2] ?? 's') as 's']);
}

interface Sample {
  t: number;
  rss: number;
  heap: number;
  external: number;
  requests: number;
}

/** Least-squares slope of y over x (units of y per unit of x); 0 with fewer than two points. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const seconds = soakSeconds(process.argv.slice(2), process.env);
  const clients = Number(process.env.BENCH_SOAK_CLIENTS ?? 4);
  const rate = Number(process.env.BENCH_SOAK_RATE ?? 15);
  const sampleEvery = Number(process.env.BENCH_SOAK_SAMPLE_SECONDS ?? 10);
  const { url, collection, squad, close } = await startLoadApp('soak');
  const { paragraphs, questions } = squad;
  try {
    let q = 0;
    let doc = 0;
    const json = { 'content-type': 'application/json' };
    const body = (make: () => unknown) => (req: autocannon.Request) => ({ ...req, body: JSON.stringify(make()) });
    console.log(`soak: ${seconds} s, ${clients} clients, at most ${rate} req/s (search, ask, ingest in turn); samples every ${sampleEvery} s`);
    const samples: Sample[] = [];
    const started = Date.now();
    let requests = 0;
    const sample = () => {
      gc();
      const m = process.memoryUsage();
      samples.push({ t: (Date.now() - started) / 1000, rss: m.rss / MIB, heap: m.heapUsed / MIB, external: (m.external + m.arrayBuffers) / MIB, requests });
      const s = samples[samples.length - 1];
      console.log(`t=${Math.round(s.t)}s rss ${round(s.rss, 1)} MiB, heap ${round(s.heap, 1)} MiB, external ${round(s.external, 1)} MiB, ${requests} requests`);
    };
    sample();
    const timer = setInterval(sample, sampleEvery * 1000);
    const options: autocannon.Options = {
      url,
      connections: clients,
      overallRate: rate,
      duration: seconds,
      timeout: 30,
      requests: [
        { method: 'POST', path: '/v1/search', headers: json, setupRequest: body(() => ({ query: questions[q++ % questions.length].question, collection, mode: 'hybrid', top_k: 10 })) },
        { method: 'POST', path: '/v1/ask', headers: json, setupRequest: body(() => ({ question: questions[q++ % questions.length].question, collection })) },
        {
          method: 'POST',
          path: '/v1/documents',
          headers: json,
          setupRequest: body(() => {
            const n = doc++;
            const p = paragraphs[n % paragraphs.length];
            // the same 200 sources over and over, each turn with other text: replaced, so the data stays the same size
            return { title: `soak ${n % ROTATING_SOURCES}`, text: `${p.context}\n\nVersão ${n}.`, collection: `${collection}-ingest`, source_id: `soak-${n % ROTATING_SOURCES}` };
          }),
        },
      ],
    };
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(options, (err: unknown, res: autocannon.Result) => (err ? reject(err as Error) : resolve(res)));
      instance.on('response', () => requests++);
    });
    clearInterval(timer);
    sample();
    const errors = result.errors + result.timeouts + result.non2xx;
    const after = samples.slice(Math.max(1, Math.ceil(samples.length * 0.1)));
    const minutes = after.map((s) => s.t / 60);
    const summary = (key: 'rss' | 'heap' | 'external') => {
      const ys = after.map((s) => s[key]);
      return [key === 'rss' ? 'RSS' : key === 'heap' ? 'V8 heap used' : 'external + array buffers', round(ys[0], 1), round(Math.max(...ys), 1), round(ys[ys.length - 1], 1), round(slope(minutes, ys), 2)];
    };
    const first = samples[0];
    const md = markdownTable(['MiB (after a full GC)', 'start', 'max', 'end', 'slope MiB/min'], [summary('rss'), summary('heap'), summary('external')]);
    const lines = [
      `- ${seconds} s of load, ${clients} clients, at most ${rate} req/s: ${result.requests.total} requests (${round(result.requests.average, 1)} req/s), ` +
        `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms, errors ${errors}`,
      `- Before the load (seeded, idle): RSS ${round(first.rss, 1)} MiB, heap ${round(first.heap, 1)} MiB; ${samples.length} samples every ${sampleEvery} s, ` +
        `the summary from t=${Math.round(after[0].t)} s (after the warm-up)`,
    ];
    console.log(`\n${lines.join('\n')}\n\n${md}\n`);
    if (shouldWriteDocs()) {
      writeSection(
        'soak',
        `## Soak (\`npm run bench:soak\`)

${runHeader(`npm run bench:soak -- --duration ${seconds}s`)}
- The real HTTP app on 127.0.0.1, rate limiter off, SQuAD-pt dev (217 paragraphs) seeded; autocannon cycling search (hybrid),
  ask and ingest (200 rotating sources, each replaced on its turn, so the data stays the same size)
${lines.join('\n')}

${md}`,
      );
      console.log('docs/BENCHMARKS.md updated (soak section)');
    }
    if (errors) process.exitCode = 1;
  } finally {
    await close();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message).slice(0, 4000) : e);
    process.exit(1);
  });
}
