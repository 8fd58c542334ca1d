/**
 * Parsing off the event loop (session 12): how long GET /health/live waits while a hostile PDF or .docx is
 * uploaded, with the parse workers (ingestion.parse.workers 1) and without (0, the app thread as before), and what
 * the worker costs on ordinary files. The app runs as `node dist/main.js` in a child process (the probe's setup);
 * /health/live is asked every 100 ms from here while each upload runs. The files are built by test/support/fixtures.ts
 * (loaded through TypeScript's transpileModule: a dev tool, run from a checkout).
 *
 *   npm run bench:parse        (BENCH_PARSE_RUNS=30 warm parses per ordinary file)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CompositeDocumentParser } from '../modules/ingestion/infrastructure/parsers/composite.parser';
import { loadConfig } from '../shared/config';
import { markdownTable, round } from './stats';

const RUNS = Number(process.env.BENCH_PARSE_RUNS ?? 30);
const ROOT = join(__dirname, '..', '..');

interface Fixtures {
  makePdf(lines: string[], title?: string): Buffer;
  pdfWithContent(content: string | Buffer, title?: string, deflate?: boolean): Buffer;
  makeDocx(paragraphs: string[], compression?: 'STORE' | 'DEFLATE'): Promise<Buffer>;
}

function testFixtures(): Fixtures {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  const extensions = require.extensions as unknown as Record<string, (m: { _compile(code: string, file: string): void }, file: string) => void>;
  extensions['.ts'] = (m, file) => m._compile(ts.transpileModule(readFileSync(file, 'utf8'), { fileName: file, compilerOptions }).outputText, file);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(ROOT, 'test', 'support', 'fixtures.ts')) as Fixtures;
}

async function hostileFiles(f: Fixtures): Promise<Array<{ name: string; what: string; buffer: Buffer }>> {
  const bomb = Buffer.alloc(300 * 2 ** 20, 0x20);
  bomb.write('BT /F1 12 Tf 72 720 Td (a) Tj ET\n');
  return [
    { name: 'bomba.pdf', what: 'PDF, one stream inflating to 300 MB', buffer: f.pdfWithContent(bomb, 'Bomba', true) },
    { name: 'operadores.pdf', what: 'PDF, 2,000,000 text operators', buffer: f.pdfWithContent(`BT /F1 12 Tf 72 720 Td ${'(a) Tj '.repeat(2_000_000)}ET`, 'Operadores', true) },
    { name: 'paragrafos.docx', what: '.docx, 300,000 one-letter paragraphs', buffer: await f.makeDocx(Array<string>(300_000).fill('a'), 'DEFLATE') },
  ];
}

async function startServer(workers: number): Promise<{ base: string; stop: () => Promise<void> }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const dataDir = mkdtempSync(join(tmpdir(), 'acervo-parse-bench-'));
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', INGESTION_PARSE_WORKERS: String(workers) },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${base}/health/ready`).then((r) => r.ok, () => false);
    if (up) break;
    if (i > 600) throw new Error('the app did not start in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Uploads one file while /health/live is asked every 100 ms: the answer, its time, and the slowest probe. */
async function uploadWatched(base: string, name: string, buffer: Buffer): Promise<{ status: number; code: string; uploadS: number; liveMaxMs: number; probes: number }> {
  const form = new FormData();
  form.append('collection', 'bench');
  form.append('files', new Blob([new Uint8Array(buffer)]), name);
  const started = performance.now();
  let done = false;
  const upload = fetch(`${base}/v1/documents`, { method: 'POST', body: form }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string } }));
  void upload.then(
    () => (done = true),
    () => (done = true),
  );
  let liveMaxMs = 0;
  let probes = 0;
  while (!done) {
    const t = performance.now();
    // a kept-alive socket the server closed while its loop was held resets: the probe is sent again, timed from the first try
    for (let tries = 0; ; tries++) {
      const ok = await fetch(`${base}/health/live`).then((r) => r.arrayBuffer().then(() => true), (e: Error) => (tries < 3 ? false : Promise.reject(e)));
      if (ok) break;
    }
    liveMaxMs = Math.max(liveMaxMs, performance.now() - t);
    probes++;
    await new Promise((r) => setTimeout(r, 100));
  }
  const res = await upload.catch((e: Error) => ({ status: 0, body: { code: `failed: ${(e.cause as Error | undefined)?.message ?? e.message}` } }));
  return { status: res.status, code: res.body.code ?? '', uploadS: (performance.now() - started) / 1000, liveMaxMs, probes };
}

async function parseCost(f: Fixtures): Promise<Array<Array<string | number>>> {
  const files = [
    { filename: 'ferias.pdf', buffer: f.makePdf(['Politica de ferias: cada colaborador tem 30 dias de ferias por ano.'], 'Ferias') },
    { filename: 'onboarding.docx', buffer: await f.makeDocx(['Manual de Onboarding', 'No primeiro dia o colaborador recebe o notebook e o crachá.']) },
  ];
  const rows: Array<Array<string | number>> = [];
  for (const workers of [0, 1]) {
    const parser = new CompositeDocumentParser(loadConfig({ env: { ...process.env, INGESTION_PARSE_WORKERS: String(workers) } }));
    try {
      for (const file of files) {
        let t = performance.now();
        await parser.parse(file);
        const first = performance.now() - t;
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          t = performance.now();
          await parser.parse(file);
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        rows.push([file.filename, workers, round(first, 0), round(times[Math.floor(times.length / 2)], 1), round(times[Math.floor(times.length * 0.9)], 1)]);
      }
    } finally {
      await parser.onModuleDestroy();
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const f = testFixtures();
  const files = await hostileFiles(f);
  const rows: Array<Array<string | number>> = [];
  for (const workers of [0, 1]) {
    const server = await startServer(workers);
    try {
      for (const file of files) {
        const r = await uploadWatched(server.base, file.name, file.buffer);
        rows.push([file.what, `${round(file.buffer.length / 1024, 0)} KB`, workers, `${r.status} ${r.code}`.trim(), round(r.uploadS, 1), round(r.liveMaxMs, 0), r.probes]);
        console.error(rows[rows.length - 1].join(' | '));
      }
    } finally {
      await server.stop();
    }
  }
  console.log(markdownTable(['file', 'size', 'workers', 'answer', 'upload s', '/health/live max ms', 'probes'], rows));
  console.log();
  console.log(markdownTable(['ordinary file', 'workers', 'first parse ms', `p50 ms (${RUNS})`, 'p90 ms'], await parseCost(f)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
