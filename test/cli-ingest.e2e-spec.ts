/**
 * The bulk-load CLI run in-process (runIngestCli) against a throwaway embedded database: a folder of text files,
 * a CSV and unsupported files, then re-runs (dedup, replace), a TTY run, an interrupted run and usage errors.
 * What was stored is checked by booting the application again on the same data dir.
 * Then HTTP mode: the real app listening on a free port and holding a data dir, the built CLI (dist/cli/ingest.js)
 * run as a child process on the same DATA_DIR, and --url.
 */
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import {
  EXIT_FAILURES,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_USAGE,
  runIngestCli,
} from '../src/cli/ingest.command';
import { AppConfig, DeepPartial, loadConfig } from '../src/shared/config';
import { DATA_SOURCE } from '../src/shared/database';
import { startTestApp, type TestApp } from './support/app';
import { capture, type Captured } from './support/cli-capture';
import { ANIME_CSV } from './support/fixtures';
import { buildIfStale } from './support/server-process';

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
    writeFileSync(join(docs, 'sub', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    writeFileSync(join(docs, 'LEIAME'), 'sem extensão');
    symlinkSync(join(docs, 'apagado.txt'), join(docs, 'sub', 'link.txt'));
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
    // Every file left out is named with the reason; setup.exe, also named on the command line, is not left out.
    expect(stderr).toContain('Skipped docs/LEIAME: no extension (unsupported type)\n');
    expect(stderr).toContain('Skipped docs/sub/link.txt: broken symbolic link\n');
    expect(stderr).toContain('Skipped docs/sub/logo.png: unsupported extension .png\n');
    expect(stderr).not.toContain('Skipped docs/setup.exe');
    expect(stdout).toMatch(/inputs\s+5 of 5 processed, 3 skipped/);
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
      // Titles: a first line that is a sentence is not one (the file name is); the markdown's # heading is.
      expect(bySource.get('docs/a.txt')?.title).toBe('a');
      expect(bySource.get('docs/b.md')?.title).toBe('Manual');
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

  it('a folder of many small files goes in shared batches, still one result per file in order (a bad one fails alone)', async () => {
    const many = join(root, 'many');
    mkdirSync(many);
    for (let i = 0; i < 40; i++)
      writeFileSync(join(many, `nota-${String(i).padStart(2, '0')}.txt`), `Nota número ${i} do lote: o fornecedor ${i * 7} entrega às ${i % 24} horas.`);
    writeFileSync(join(many, 'nota-20-vazia.txt'), '   \n');
    const versions = async () => {
      const config = loadConfig({ env, overrides });
      const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'], abortOnError: false });
      try {
        const [{ v }] = (await app.get<DataSource>(DATA_SOURCE).query(`SELECT last_value::int AS v FROM corpus_version_seq`)) as Array<{ v: number }>;
        return v;
      } finally {
        await app.close();
      }
    };
    const before = await versions();
    const out = capture();
    const code = await run(['many', '--collection', 'cli-many'], out);
    const stdout = await out.stdout();
    expect(code).toBe(EXIT_FAILURES);
    expect(summary(stdout)).toMatchObject({ documents: 40, created: 40, failures: 1 });
    const lines = stdout.split('\n').filter((l) => l.startsWith('['));
    expect(lines).toHaveLength(40);
    expect(lines[0]).toMatch(/^\[1\/41\] many\/nota-00\.txt: 1 document \(1 new/);
    expect(lines[20]).toMatch(/^\[22\/41\] many\/nota-20\.txt: 1 document/);
    expect(lines[39]).toMatch(/^\[41\/41\] many\/nota-39\.txt: 1 document/);
    expect(await out.stderr()).toMatch(/^\[21\/41\] many\/nota-20-vazia\.txt: FAILED INGESTION\.EMPTY_DOCUMENT/m);
    // Every statement writing a collection's chunks takes a new corpus version: the 40 files were not 40 writes.
    expect((await versions()) - before).toBeLessThan(5);
  }, 180_000);

  it('draws a progress bar on a terminal and still prints the summary', async () => {
    const out = capture(true);
    const code = await run(['docs/b.md', 'docs/sub', '--collection', COLLECTION], out);
    const stdout = await out.stdout();
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('2/2 files');
    expect(stdout).not.toMatch(/\[1\/2\]/); // no plain lines in TTY mode
    expect(summary(stdout)).toMatchObject({ documents: 2, deduplicated: 2, failures: 0 });
  }, 120_000);

  it('stops after the current batch when interrupted (exit 130) and closes the database', async () => {
    const out = capture();
    const interrupt = new AbortController();
    out.io.stdout.on('data', (c: Buffer) => {
      if (c.toString().startsWith('[1/')) interrupt.abort();
    });
    // one document a batch (two small files would otherwise share one, and a batch is written whole)
    const code = await runIngestCli(
      ['docs/b.md', 'docs/sub/c.txt', '--collection', COLLECTION],
      out.io,
      { ...overrides, ingestion: { batch: { documents: 1 } } },
      { env, cwd: root, signal: interrupt.signal },
    );
    expect(code).toBe(EXIT_INTERRUPTED);
    expect(await out.stdout()).toMatch(/inputs\s+1 of 2 processed/);
    expect(await out.stderr()).toMatch(/Interrupted after 1 of 2 inputs/);
    expect(existsSync(join(dataDir, 'pg', 'acervo.lock'))).toBe(false);
  }, 120_000);

  it('counts every document an interrupted run stored: the same command again finds just those unchanged', async () => {
    // probe 17: Ctrl+C during a 300-file run said "Interrupted after 128 of 300 inputs" (129 documents) while 178 files
    // were stored: the batch being committed when the signal came was written, and its documents left uncounted.
    const lote = join(root, 'lote');
    mkdirSync(lote);
    for (let i = 1; i <= 4; i++) {
      writeFileSync(join(lote, `proc-${i}.txt`), `Procedimento ${i}\n\nO procedimento ${i} exige aprovação do coordenador em ${i + 2} dias úteis.`);
    }
    // one document a batch: the run is several batches, as a big folder is
    const batched = { ...overrides, ingestion: { batch: { documents: 1 } } };
    const args = ['lote', '--collection', 'interrompido'];
    const first = capture();
    const interrupt = new AbortController();
    first.io.stdout.on('data', (c: Buffer) => {
      if (c.toString().startsWith('[1/')) interrupt.abort();
    });
    const code = await runIngestCli(args, first.io, batched, { env, cwd: root, signal: interrupt.signal });
    expect(code).toBe(EXIT_INTERRUPTED);
    const stdout = await first.stdout();
    const told = summary(stdout).documents;
    const processed = Number(/inputs\s+(\d+) of 4 processed/.exec(stdout)?.[1]);
    expect(told).toBe(processed);
    expect(stdout.match(/^\[\d\/4\] /gm)).toHaveLength(processed);
    expect(await first.stderr()).toMatch(new RegExp(`Interrupted after ${processed} of 4 inputs`));

    const again = capture();
    expect(await runIngestCli(args, again.io, batched, { env, cwd: root })).toBe(EXIT_OK);
    expect(summary(await again.stdout())).toMatchObject({ documents: 4, deduplicated: told, created: 4 - told });
  }, 120_000);

  it('names a file over ingestion.maxFileBytes and leaves it out as a failure (exit 1) before starting anything', async () => {
    mkdirSync(join(root, 'big'));
    writeFileSync(join(root, 'big', 'enorme.txt'), 'palavra '.repeat(140_000)); // 1.1 MB, over the test profile's 1 MiB
    const out = capture();
    expect(await run(['big', '--collection', COLLECTION], out)).toBe(EXIT_FAILURES);
    expect(await out.stderr()).toMatch(
      /^Skipped big\/enorme\.txt: too big \(1\.1 MB; the limit is 1\.0 MB, ingestion\.maxFileBytes\) \[INGESTION\.TOO_LARGE\]\nNo files left to ingest\.\n$/,
    );
    expect(await out.stdout()).toBe('');
    expect(existsSync(join(dataDir, 'pg', 'acervo.lock'))).toBe(false);
  });

  it('refuses a data dir held by another ingest run, naming it, instead of waiting for an HTTP API', async () => {
    const held = join(root, 'held');
    mkdirSync(join(held, 'pg'), { recursive: true });
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(held, 'pg', 'acervo.lock'), String(other.pid));
      writeFileSync(
        join(held, 'pg', 'acervo.owner.json'),
        JSON.stringify({ pid: other.pid, role: 'ingest' }),
      );
      const out = capture();
      const code = await runIngestCli(
        ['docs/b.md'],
        out.io,
        { app: { dataDir: held }, database: { url: '' } },
        { env, cwd: root },
      );
      expect(code).toBe(EXIT_FAILURES);
      expect(await out.stderr()).toContain(
        `ingest: the embedded database at ${join(held, 'pg')} is in use by another ingest run (pid ${other.pid}), which serves no HTTP API`,
      );
    } finally {
      other.kill();
    }
  });

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
    // the rule of POST /v1/documents, whose JSON body and multipart field refuse it (400)
    [['docs', '--metadata', '{"a":{"__proto__":{"x":1}}}'], /--metadata: metadata\.a\.__proto__: a key named __proto__ is not accepted/],
    [['docs', '--collection'], /--collection needs a value/],
    [['docs', '--collection', 'Not Valid'], /--collection "Not Valid" is not a valid name/],
    [['docs', 'missing/file.txt'], /no such file or directory: missing\/file\.txt/],
    [
      ['docs', '--url', 'ftp://host'],
      /--url "ftp:\/\/host" is not the http\(s\) address of an acervo server/,
    ],
  ])('usage error %j -> exit 2 without touching the database', async (argv, message) => {
    const out = capture();
    expect(await run(argv, out)).toBe(EXIT_USAGE);
    const stderr = await out.stderr();
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: npm run ingest');
    expect(await out.stdout()).toBe('');
  });

  it('--url with a user and password is a usage error that never prints the password (exit 2)', async () => {
    for (const url of ['http://ana:secretpw@localhost:3000', 'ftp://ana:secretpw@host']) {
      const out = capture();
      expect(await run(['docs', '--url', url], out)).toBe(EXIT_USAGE);
      const stderr = await out.stderr();
      expect(stderr).toMatch(/^ingest: --url "(http|ftp):\/\/…@(localhost:3000|host)"/);
      expect(stderr).not.toContain('secretpw');
    }
  });
});

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'ingest.js');
const execFileAsync = promisify(execFile);

describe('npm run ingest while a server holds the data dir (HTTP mode)', () => {
  let root: string;
  let serverDir: string;
  let t: TestApp;
  let base: string;
  let pages: Server;
  let pageUrl: string;
  const FAQ = [
    'id,pergunta,resposta',
    '1,Como peço férias?,"Pelo portal de RH, com trinta dias de antecedência e aprovação do gestor."',
    '2,Quem aprova viagens?,"O gestor direto aprova viagens nacionais; internacionais passam pela diretoria."',
  ].join('\n');

  /** The built CLI as a user runs it (node dist/cli/ingest.js), on the server's DATA_DIR; never rejects. */
  const runBuilt = async (argv: string[]) => {
    const env = {
      ...process.env,
      APP_PROFILES: 'test',
      DATA_DIR: serverDir,
      DATABASE_URL: '',
      EMBEDDER_PROVIDER: 'hashing',
      ACERVO_API_KEY: '',
      ADMIN_API_KEY: '',
      // beforeAll built dist/; others editing src/ meanwhile must not add a staleness warning to stderr
      ACERVO_DIST_CHECKED: '1',
    };
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...argv], {
        cwd: root,
        env,
        timeout: 120_000,
      });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  };
  const documents = async (collection: string) =>
    (await t.http.get('/v1/documents').query({ collection, limit: 50 })).body.items as Array<{
      source_id: string;
      title: string;
      metadata: Record<string, unknown>;
    }>;

  beforeAll(async () => {
    // the CLI as built: dist/ brought up to date first (a no-op when it is current)
    buildIfStale();
    root = mkdtempSync(join(tmpdir(), 'acervo-cli-http-'));
    serverDir = join(root, 'data');
    mkdirSync(join(root, 'docs'));
    writeFileSync(
      join(root, 'docs', 'ferias.txt'),
      'Guia de férias\n\nCada colaborador tem direito a trinta dias corridos de férias por ano.',
    );
    writeFileSync(join(root, 'docs', 'faq.csv'), FAQ);
    writeFileSync(join(root, 'docs', 'foto.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
    // the server's own embedded database, whatever DATABASE_URL says (the CI server pass included)
    t = await startTestApp({ database: { url: '' } }, { dataDir: serverDir });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    pages = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<html><head><title>Viagens</title></head><body><article><p>${'Viagens internacionais precisam de aprovação da diretoria. '.repeat(4)}</p></article></body></html>`,
        ),
    );
    await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
    pageUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/viagens`;
  }, 240_000);

  afterAll(async () => {
    await new Promise((r) => pages?.close(r));
    await t?.close({ keepData: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('finds the server in the lock, sends the files over HTTP and prints the usual summary', async () => {
    const { code, stdout, stderr } = await runBuilt([
      'docs',
      '--collection',
      'cli-http',
      '--metadata',
      '{"lote":"http"}',
    ]);
    expect({ code, stderr }).toEqual({
      code: EXIT_OK,
      stderr: 'Skipped docs/foto.jpg: unsupported extension .jpg\n',
    });
    expect(stdout).toContain(`(acervo server at ${base}, pid ${process.pid}, which holds ${serverDir}, no API key)`);
    expect(stdout).toMatch(/\[1\/2\] docs\/faq\.csv: 2 documents \(2 new, 0 replaced, 0 deduplicated\)/);
    expect(stdout).toMatch(/\[2\/2\] docs\/ferias\.txt: 1 document \(1 new/);
    expect(summary(stdout)).toMatchObject({
      documents: 3,
      created: 3,
      replaced: 0,
      deduplicated: 0,
      failures: 0,
    });
    expect(stdout).toMatch(/inputs\s+2 of 2 processed, 1 skipped/);

    // Stored by the server, with the same source ids an in-process run gives, and titles from the content.
    const docs = await documents('cli-http');
    const bySource = Object.fromEntries(docs.map((d) => [d.source_id, d]));
    expect(Object.keys(bySource).sort()).toEqual(['docs/faq.csv#1', 'docs/faq.csv#2', 'docs/ferias.txt']);
    expect(bySource['docs/ferias.txt']).toMatchObject({
      title: 'Guia de férias',
      metadata: { lote: 'http' },
    });
    expect(bySource['docs/faq.csv#2']).toMatchObject({
      title: 'Quem aprova viagens?',
      metadata: { lote: 'http', id: 2 },
    });

    // Again: everything deduplicated, as in process.
    const again = await runBuilt(['docs', '--collection', 'cli-http', '--metadata', '{"lote":"http"}']);
    expect(again.code).toBe(EXIT_OK);
    expect(summary(again.stdout)).toMatchObject({ documents: 3, created: 0, deduplicated: 3, chunks: 0 });
  }, 180_000);

  it('reports a document the server refuses with its problem code, and goes on (exit 1)', async () => {
    writeFileSync(join(root, 'vazio.txt'), '   \n');
    const { code, stdout, stderr } = await runBuilt([
      'vazio.txt',
      'docs/ferias.txt',
      '--collection',
      'cli-http',
    ]);
    expect(code).toBe(EXIT_FAILURES);
    expect(stderr).toMatch(
      /\[1\/2\] vazio\.txt: FAILED INGESTION\.EMPTY_DOCUMENT: Document "vazio\.txt" has no extractable text\./,
    );
    expect(summary(stdout)).toMatchObject({ documents: 1, deduplicated: 1, failures: 1 });
  }, 120_000);

  it('--url sends files and pages to the given server without opening a local database', async () => {
    const localDir = join(root, 'local-data');
    const out = capture();
    const code = await runIngestCli(
      ['docs/ferias.txt', pageUrl, '--url', `${base}/`, '--collection', 'cli-url'],
      out.io,
      { app: { dataDir: localDir }, database: { url: '' } },
      {
        env: { ...process.env, APP_PROFILES: 'test', DATABASE_URL: '', EMBEDDER_PROVIDER: 'hashing', ACERVO_API_KEY: '', ADMIN_API_KEY: '' },
        cwd: root,
      },
    );
    const stdout = await out.stdout();
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain(`(acervo server at ${base}, no API key)`);
    expect(summary(stdout)).toMatchObject({ documents: 2, created: 2, failures: 0 });
    expect(existsSync(localDir)).toBe(false);
    const docs = await documents('cli-url');
    expect(docs.map((d) => [d.source_id, d.title]).sort()).toEqual([
      ['docs/ferias.txt', 'Guia de férias'],
      [pageUrl, 'Viagens'],
    ]);
  }, 120_000);

  it('npm run ingest goes through build-if-stale.cjs, which runs the built CLI and keeps the bin executable', async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      [join(ROOT, 'src', 'cli', 'build-if-stale.cjs'), '--run', 'dist/cli/ingest.js', '--help'],
      { cwd: ROOT },
    );
    expect(stdout).toMatch(/^Usage: npm run ingest -- <path\|url>\.\.\. \[options\]\n {7}npx acervo-ingest /);
    expect(statSync(CLI).mode & 0o111).toBe(0o111);
  }, 120_000);

  it('a second server on the held data dir is refused in one JSON line with LOG_FORMAT=json, no stack trace (issue 12)', async () => {
    const env = { ...process.env, APP_PROFILES: 'test', DATA_DIR: serverDir, DATABASE_URL: '', PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info' };
    const started = await execFileAsync(process.execPath, [join(ROOT, 'dist', 'main.js')], { cwd: ROOT, env, timeout: 60_000 }).then(
      () => ({ code: 0, out: '' }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
    );
    expect(started.code).toBe(1);
    expect(started.out.includes('\u001b[')).toBe(false); // no colours
    expect(started.out).not.toMatch(/\n\s+at |ExceptionHandler/);
    const lines = started.out.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
    const failures = lines.filter((l) => l.level >= 50);
    expect(failures).toEqual([
      expect.objectContaining({ level: 60, msg: expect.stringMatching(/^acervo failed to start: The embedded database at .* is in use by another acervo process \(pid \d+\)/) }),
    ]);
  });

  it('--url to an address where no acervo server answers: one line, exit 1, nothing started', async () => {
    const { code, stdout, stderr } = await runBuilt(['docs/ferias.txt', '--url', 'http://127.0.0.1:1']);
    expect(code).toBe(EXIT_FAILURES);
    expect(stderr).toBe('ingest: cannot reach the acervo server at http://127.0.0.1:1: ECONNREFUSED\n');
    expect(stdout).toBe('');
  }, 60_000);
});

describe('npm run ingest --url against a server in auth.mode required', () => {
  const ADMIN = 'cli-required-admin-key';
  let root: string;
  let t: TestApp;
  let base: string;
  let bia: string;

  /** runIngestCli with --url and the given environment (ACERVO_API_KEY, ADMIN_API_KEY); never a local database. */
  const runWith = async (env: Record<string, string>, argv: string[]) => {
    const out = capture();
    const code = await runIngestCli(
      [...argv, '--url', base],
      out.io,
      { app: { dataDir: join(root, 'never') }, database: { url: '' } },
      {
        env: { ...process.env, APP_PROFILES: 'test', DATABASE_URL: '', EMBEDDER_PROVIDER: 'hashing', ACERVO_API_KEY: '', ADMIN_API_KEY: '', ...env },
        cwd: root,
      },
    );
    return { code, stdout: await out.stdout(), stderr: await out.stderr() };
  };
  const titles = async (collection: string) =>
    ((await t.http.get('/v1/documents').set('x-api-key', ADMIN).query({ collection, limit: 50 })).body.items ?? []).map(
      (d: { title: string }) => d.title,
    ) as string[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'acervo-cli-auth-'));
    mkdirSync(join(root, 'docs'));
    for (const [name, text] of [
      ['a.txt', 'Guia de férias\n\nTrinta dias corridos por ano.'],
      ['b.txt', 'Guia de viagens\n\nO gestor aprova viagens nacionais.'],
      ['c.txt', 'Guia de reembolso\n\nO reembolso cai em dez dias.'],
    ])
      writeFileSync(join(root, 'docs', name), text);
    t = await startTestApp({ database: { url: '' }, auth: { mode: 'required' }, admin: { apiKey: ADMIN } });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    bia = (await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'bia' }).expect(201)).body.key;
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('without a key: stops at the first 401 with one line naming ACERVO_API_KEY (exit 1), not one failure per file', async () => {
    const { code, stdout, stderr } = await runWith({}, ['docs', '--collection', 'cli-auth']);
    expect(code).toBe(EXIT_FAILURES);
    expect(stdout).toContain(`(acervo server at ${base}, no API key)`);
    expect(stderr.trim().split('\n')).toEqual([
      '[1/3] docs/a.txt: FAILED AUTH.REQUIRED: An API key (x-api-key or Authorization: Bearer) or a bearer token is required.',
      expect.stringMatching(
        /^ingest: stopped: the acervo server at http:\/\/127\.0\.0\.1:\d+ answered 401 AUTH\.REQUIRED \(no API key sent\): .* set ACERVO_API_KEY to a valid API key/,
      ),
    ]);
    expect(summary(stdout)).toMatchObject({ documents: 0, failures: 1 });
    expect(stdout).toMatch(/inputs\s+1 of 3 processed/);
  });

  it('a wrong key is refused before anything is sent, in one line that never prints the key (exit 1)', async () => {
    const { code, stdout, stderr } = await runWith({ ACERVO_API_KEY: 'acv_wrong-key-never-printed' }, ['docs', '--collection', 'cli-auth']);
    expect(code).toBe(EXIT_FAILURES);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^ingest: the acervo server at \S+ answered 401 AUTH\.INVALID_CREDENTIALS \(the API key from ACERVO_API_KEY\): [^\n]+\n$/);
    expect(stderr).not.toContain('wrong-key-never-printed');
  });

  it('sends the key in ACERVO_API_KEY (the documents are that user\'s), else ADMIN_API_KEY; never prints it', async () => {
    const asBia = await runWith({ ACERVO_API_KEY: bia }, ['docs', '--collection', 'cli-auth']);
    expect({ code: asBia.code, stderr: asBia.stderr }).toEqual({ code: EXIT_OK, stderr: '' });
    expect(asBia.stdout).toContain(`(acervo server at ${base}, API key from ACERVO_API_KEY)`);
    expect(asBia.stdout).not.toContain(bia);
    expect(summary(asBia.stdout)).toMatchObject({ documents: 3, created: 3, failures: 0 });
    expect((await titles('cli-auth')).sort()).toEqual(['Guia de férias', 'Guia de reembolso', 'Guia de viagens']);
    expect((await t.http.get('/v1/collections/cli-auth').set('x-api-key', ADMIN).expect(200)).body).toMatchObject({ owner: 'bia' });

    const asAdmin = await runWith({ ADMIN_API_KEY: ADMIN }, ['docs/a.txt', '--collection', 'cli-admin']);
    expect(asAdmin.code).toBe(EXIT_OK);
    expect(asAdmin.stdout).toContain('API key from ADMIN_API_KEY)');
    expect(`${asAdmin.stdout}${asAdmin.stderr}`).not.toContain(ADMIN);
    expect(await titles('cli-admin')).toEqual(['Guia de férias']);
  });

  it('a key that may not write to the collection: stops at the first 403 (exit 1)', async () => {
    const { code, stderr } = await runWith({ ACERVO_API_KEY: bia }, ['docs']);
    expect(code).toBe(EXIT_FAILURES);
    expect(stderr.match(/FAILED/g)).toHaveLength(1);
    expect(stderr).toMatch(/ingest: stopped: .* answered 403 AUTH\.FORBIDDEN \(the API key from ACERVO_API_KEY\): .* use a key that may write to collection "default"/);
    expect(await titles('default')).toEqual([]);
  });
});
