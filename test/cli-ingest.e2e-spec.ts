/**
 * The bulk-load CLI run in-process (runIngestCli) against a throwaway embedded database: a folder of text files,
 * a CSV and an unsupported file, then re-runs (dedup, replace), a TTY run, an interrupted run and usage errors.
 * What was stored is checked by booting the application again on the same data dir.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import {
  EXIT_FAILURES,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_USAGE,
  IngestCliIo,
  runIngestCli,
} from '../src/cli/ingest.command';
import { AppConfig, DeepPartial, loadConfig } from '../src/shared/config';
import { DATA_SOURCE } from '../src/shared/database';
import { ANIME_CSV } from './support/fixtures';

const ANIME_ROWS = 269; // records in the file (270 lines with the header), each with its own synopsis
const CSV_OPTIONS = [
  '--text-columns',
  'Synopsis',
  '--title-column',
  'Name',
  '--id-column',
  'MAL_ID',
  '--list-columns',
  'Genres',
];
const COLLECTION = 'cli-e2e';

interface Captured {
  io: IngestCliIo;
  stdout(): Promise<string>;
  stderr(): Promise<string>;
}

function capture(isTTY = false): Captured {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (isTTY) Object.assign(stdout, { isTTY: true, columns: 120 });
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const settled = () => new Promise((r) => setImmediate(r));
  return {
    io: { stdout, stderr, isTTY },
    stdout: async () => (await settled(), out),
    stderr: async () => (await settled(), err),
  };
}

interface Summary {
  documents: number;
  created: number;
  replaced: number;
  deduplicated: number;
  chunks: number;
  failures: number;
  seconds: number;
  chunksPerSecond: number;
}

function summary(stdout: string): Summary {
  const docs = /documents\s+(\d+) \((\d+) new, (\d+) replaced, (\d+) deduplicated\)/.exec(stdout);
  const chunks = /^\s+chunks\s+(\d+)$/m.exec(stdout);
  const failures = /^\s+failures\s+(\d+)$/m.exec(stdout);
  const time = /^\s+time\s+([\d.]+) s \(([\d.]+) chunks\/s\)$/m.exec(stdout);
  if (!docs || !chunks || !failures || !time) throw new Error(`no summary in output:\n${stdout}`);
  return {
    documents: +docs[1],
    created: +docs[2],
    replaced: +docs[3],
    deduplicated: +docs[4],
    chunks: +chunks[1],
    failures: +failures[1],
    seconds: +time[1],
    chunksPerSecond: +time[2],
  };
}

describe('npm run ingest (runIngestCli)', () => {
  let root: string;
  let dataDir: string;
  let env: Record<string, string | undefined>;
  let overrides: DeepPartial<AppConfig>;
  const run = (argv: string[], out: Captured, signal?: AbortSignal) =>
    runIngestCli(argv, out.io, overrides, { env, cwd: root, signal });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'acervo-cli-'));
    dataDir = join(root, 'data');
    env = { ...process.env, APP_PROFILES: 'test', DATABASE_URL: '', EMBEDDER_PROVIDER: 'hashing' };
    overrides = { app: { dataDir }, database: { url: '' } };
    const docs = join(root, 'docs');
    mkdirSync(join(docs, 'sub'), { recursive: true });
    writeFileSync(
      join(docs, 'a.txt'),
      'O acervo guarda documentos e responde com citações.\n\nEste é o primeiro arquivo de texto.',
    );
    writeFileSync(
      join(docs, 'b.md'),
      '# Manual\n\nComo carregar uma pasta inteira com `npm run ingest`.\n\n## Opções\n\nColeção, metadados e colunas CSV.',
    );
    writeFileSync(
      join(docs, 'sub', 'c.txt'),
      'Um arquivo numa subpasta também é encontrado pela varredura recursiva.',
    );
    copyFileSync(ANIME_CSV, join(docs, 'anime.csv'));
    writeFileSync(
      join(docs, 'setup.exe'),
      Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]),
    );
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const firstRunArgs = () => [
    'docs',
    'docs/setup.exe',
    '--collection',
    COLLECTION,
    '--metadata',
    '{"batch":"e2e"}',
    ...CSV_OPTIONS,
  ];

  it('ingests a folder recursively, reports the unsupported file and goes on (exit 1)', async () => {
    const out = capture();
    const code = await run(firstRunArgs(), out);
    const stdout = await out.stdout();
    const stderr = await out.stderr();

    expect(code).toBe(EXIT_FAILURES);
    const s = summary(stdout);
    expect(s).toMatchObject({
      documents: 3 + ANIME_ROWS,
      created: 3 + ANIME_ROWS,
      replaced: 0,
      deduplicated: 0,
      failures: 1,
    });
    expect(s.chunks).toBeGreaterThanOrEqual(3 + ANIME_ROWS);
    expect(s.seconds).toBeGreaterThan(0);
    expect(s.chunksPerSecond).toBeGreaterThan(0);
    // One plain progress line per input, in walk order (names relative to the working directory).
    expect(stdout).toMatch(/\[1\/5\] docs\/a\.txt: 1 document \(1 new, 0 replaced, 0 deduplicated\)/);
    expect(stdout).toMatch(
      new RegExp(`\\[2/5\\] docs/anime\\.csv: ${ANIME_ROWS} documents \\(${ANIME_ROWS} new,`),
    );
    expect(stdout).toMatch(/\[4\/5\] docs\/sub\/c\.txt: 1 document/);
    expect(stderr).toMatch(
      /\[5\/5\] docs\/setup\.exe: FAILED INGESTION\.UNSUPPORTED_TYPE: Unsupported document type: \.exe/,
    );
    expect(stderr).toContain('Skipping 1 file with unsupported extensions');
    // The embedded database was closed: its lock file is gone.
    expect(existsSync(join(dataDir, 'pg', 'acervo.lock'))).toBe(false);
  }, 180_000);

  it('stored every good document with its relative source, metadata and CSV columns', async () => {
    const config = loadConfig({ env, overrides });
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
      logger: ['error', 'warn'],
      abortOnError: false,
    });
    try {
      const ds = app.get<DataSource>(DATA_SOURCE);
      const rows: { source_id: string; title: string; metadata: Record<string, unknown> }[] = await ds.query(
        'SELECT source_id, title, metadata FROM documents WHERE collection = $1 ORDER BY source_id',
        [COLLECTION],
      );
      expect(rows).toHaveLength(3 + ANIME_ROWS);
      const bySource = new Map(rows.map((r) => [r.source_id, r]));
      expect([...bySource.keys()].filter((k) => !k.startsWith('docs/anime.csv#'))).toEqual([
        'docs/a.txt',
        'docs/b.md',
        'docs/sub/c.txt',
      ]);
      expect(bySource.get('docs/a.txt')?.metadata).toMatchObject({ batch: 'e2e', filename: 'docs/a.txt' });
      const bebop = bySource.get('docs/anime.csv#1');
      expect(bebop?.title).toBe('Cowboy Bebop');
      expect(bebop?.metadata).toMatchObject({
        batch: 'e2e',
        MAL_ID: 1,
        Genres: ['Action', 'Adventure', 'Comedy', 'Drama', 'Sci-Fi', 'Space'],
      });
      expect(bebop?.metadata).not.toHaveProperty('Synopsis');
    } finally {
      await app.close();
    }
  }, 120_000);

  it('a second run finds everything already stored (all deduplicated, no chunks written)', async () => {
    const out = capture();
    const code = await run(firstRunArgs(), out);
    expect(code).toBe(EXIT_FAILURES); // the .exe still fails
    expect(summary(await out.stdout())).toMatchObject({
      documents: 3 + ANIME_ROWS,
      created: 0,
      replaced: 0,
      deduplicated: 3 + ANIME_ROWS,
      chunks: 0,
      failures: 1,
    });
  }, 180_000);

  it('a changed file replaces its earlier version (same source), exit 0', async () => {
    writeFileSync(
      join(root, 'docs', 'a.txt'),
      'O acervo guarda documentos.\n\nEsta é a segunda versão do primeiro arquivo.',
    );
    const out = capture();
    const code = await run([join(root, 'docs', 'a.txt'), '--collection', COLLECTION], out);
    expect(code).toBe(EXIT_OK);
    expect(summary(await out.stdout())).toMatchObject({
      documents: 1,
      created: 0,
      replaced: 1,
      deduplicated: 0,
      failures: 0,
    });
    expect(await out.stderr()).toBe('');
  }, 120_000);

  it('draws a progress bar on a terminal and still prints the summary', async () => {
    const out = capture(true);
    const code = await run(['docs/b.md', 'docs/sub', '--collection', COLLECTION], out);
    const stdout = await out.stdout();
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('2/2 files');
    expect(stdout).not.toMatch(/\[1\/2\]/); // no plain lines in TTY mode
    expect(summary(stdout)).toMatchObject({ documents: 2, deduplicated: 2, failures: 0 });
  }, 120_000);

  it('stops after the current input when interrupted (exit 130) and closes the database', async () => {
    const out = capture();
    const interrupt = new AbortController();
    out.io.stdout.on('data', (c: Buffer) => {
      if (c.toString().startsWith('[1/')) interrupt.abort();
    });
    const code = await run(
      ['docs/b.md', 'docs/sub/c.txt', '--collection', COLLECTION],
      out,
      interrupt.signal,
    );
    expect(code).toBe(EXIT_INTERRUPTED);
    expect(await out.stdout()).toMatch(/inputs\s+1 of 2 processed/);
    expect(await out.stderr()).toMatch(/Interrupted after 1 of 2 inputs/);
    expect(existsSync(join(dataDir, 'pg', 'acervo.lock'))).toBe(false);
  }, 120_000);

  it('prints the help with exit 0', async () => {
    const out = capture();
    expect(await run(['--help'], out)).toBe(EXIT_OK);
    expect(await out.stdout()).toMatch(/^Usage: npm run ingest -- <path\|url>\.\.\./);
  });

  it.each([
    [[], /nothing to ingest/],
    [['docs', '--bogus'], /unknown option --bogus/],
    [['docs', '--metadata', '{not json'], /--metadata is not valid JSON/],
    [['docs', '--metadata', '[1,2]'], /--metadata must be a JSON object/],
    [['docs', '--collection'], /--collection needs a value/],
    [['docs', '--collection', 'Not Valid'], /--collection "Not Valid" is not a valid name/],
    [['docs', 'missing/file.txt'], /no such file or directory: missing\/file\.txt/],
  ])('usage error %j -> exit 2 without touching the database', async (argv, message) => {
    const out = capture();
    expect(await run(argv, out)).toBe(EXIT_USAGE);
    const stderr = await out.stderr();
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: npm run ingest');
    expect(await out.stdout()).toBe('');
  });
});
