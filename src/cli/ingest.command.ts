import 'reflect-metadata';
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { AppModule } from '../app.module';
import {
  IngestFilesHandler,
  IngestUrlHandler,
  SUPPORTED_EXTENSIONS,
  type IngestResult,
} from '../modules/ingestion';
import { COLLECTION_NAME_PATTERN, DEFAULT_COLLECTION } from '../modules/retrieval';
import { AppConfig, DeepPartial, environment, loadConfig } from '../shared/config';
import { DomainError } from '../shared/errors/domain-error';

export interface IngestCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Draw a progress bar (stdout is a terminal); plain lines otherwise. */
  isTTY?: boolean;
}

/** Process-level inputs, injectable for tests. */
export interface IngestCliRuntime {
  /** Environment the config is read from; defaults to process.env over .env. */
  env?: Record<string, string | undefined>;
  /** Base for relative arguments and for the relative source names; defaults to process.cwd(). */
  cwd?: string;
  /** Aborting stops after the document in progress; the run then exits with 130. */
  signal?: AbortSignal;
}

export interface CsvCliOptions {
  textColumns?: string[];
  titleColumn?: string;
  idColumn?: string;
  listColumns?: string[];
}

export interface IngestCliArgs {
  help: boolean;
  collection: string;
  metadata: Record<string, unknown>;
  csv: CsvCliOptions;
  inputs: string[];
}

export const EXIT_OK = 0;
export const EXIT_FAILURES = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export const USAGE = `Usage: npm run ingest -- <path|url>... [options]

Bulk-loads documents into the knowledge base (DATA_DIR / DATABASE_URL / APP_PROFILES as for the server).
  <path>   a file, or a directory: every supported file inside it, recursively
           (${SUPPORTED_EXTENSIONS.join(' ')})
  <url>    an http(s) page, fetched and ingested like POST /v1/documents/url

Options:
  --collection <name>     target collection (default: ${DEFAULT_COLLECTION})
  --metadata <json>       JSON object merged into every document's metadata
  --text-columns a,b      CSV: columns holding the text to index
  --title-column x        CSV: column used as the document title
  --id-column x           CSV: column identifying a row (source id suffix)
  --list-columns a,b      CSV: columns split into arrays (filterable by element)
  -h, --help              show this help

Files are identified by their path relative to the working directory, so running the same
command again replaces changed documents and skips unchanged ones.
Exit codes: 0 all ingested, 1 some failed, 2 usage error, 130 interrupted.
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const VALUE_OPTIONS = [
  '--collection',
  '--metadata',
  '--text-columns',
  '--title-column',
  '--id-column',
  '--list-columns',
] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

function isValueOption(name: string): name is ValueOption {
  return (VALUE_OPTIONS as readonly string[]).includes(name);
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Parses the command line; throws UsageError on anything it cannot accept. */
export function parseIngestArgs(argv: string[]): IngestCliArgs {
  const args: IngestCliArgs = {
    help: false,
    collection: DEFAULT_COLLECTION,
    metadata: {},
    csv: {},
    inputs: [],
  };
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (optionsEnded || !token.startsWith('-') || token === '-') {
      args.inputs.push(token);
      continue;
    }
    if (token === '--') {
      optionsEnded = true;
      continue;
    }
    if (token === '-h' || token === '--help') {
      args.help = true;
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    if (!isValueOption(name)) throw new UsageError(`unknown option ${name}`);
    let value: string;
    if (eq > 0) value = token.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        throw new UsageError(`${name} needs a value`);
      value = next;
      i++;
    }
    applyOption(args, name, value);
  }
  return args;
}

function applyOption(args: IngestCliArgs, name: ValueOption, value: string): void {
  switch (name) {
    case '--collection':
      if (!COLLECTION_NAME_PATTERN.test(value)) {
        throw new UsageError(
          `--collection "${value}" is not a valid name (lowercase letters, digits, '-' and '_', up to 63 characters)`,
        );
      }
      args.collection = value;
      return;
    case '--metadata': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch (e) {
        throw new UsageError(`--metadata is not valid JSON: ${(e as Error).message}`);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new UsageError('--metadata must be a JSON object');
      args.metadata = parsed as Record<string, unknown>;
      return;
    }
    case '--text-columns':
      args.csv.textColumns = nonEmpty(name, list(value));
      return;
    case '--list-columns':
      args.csv.listColumns = nonEmpty(name, list(value));
      return;
    case '--title-column':
      args.csv.titleColumn = nonEmpty(name, value.trim());
      return;
    case '--id-column':
      args.csv.idColumn = nonEmpty(name, value.trim());
      return;
    default: {
      const unreachable: never = name;
      throw new UsageError(`unknown option ${String(unreachable)}`);
    }
  }
}

function nonEmpty<T extends string | string[]>(name: string, value: T): T {
  if (value.length === 0) throw new UsageError(`${name} needs a value`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Targets: what the arguments expand to, checked before the application starts.

export type IngestTarget =
  { kind: 'file'; path: string; name: string } | { kind: 'url'; url: string; name: string };

interface Failure {
  name: string;
  code: string;
  message: string;
}

interface Expansion {
  targets: IngestTarget[];
  /** Files found in directories whose extension is not supported (skipped, not failures). */
  skipped: number;
  /** Directories that could not be listed. */
  failures: Failure[];
}

const SUPPORTED = new Set(SUPPORTED_EXTENSIONS.map((e) => e.toLowerCase()));
const isSupported = (file: string): boolean => SUPPORTED.has(extname(file).toLowerCase());
const URL_ARG = /^https?:\/\//i;

/** Source name: the path relative to cwd when inside it (stable across machines), else the absolute path. */
export function sourceName(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return (inside ? rel : path).split(sep).join('/');
}

async function expandInputs(inputs: string[], cwd: string): Promise<Expansion> {
  const out: Expansion = { targets: [], skipped: 0, failures: [] };
  const seen = new Set<string>();
  const add = (t: IngestTarget, key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    out.targets.push(t);
  };
  for (const input of inputs) {
    if (URL_ARG.test(input)) {
      let url: URL;
      try {
        url = new URL(input);
      } catch {
        throw new UsageError(`not a valid URL: ${input}`);
      }
      add({ kind: 'url', url: url.href, name: url.href }, url.href);
      continue;
    }
    const path = resolve(cwd, input);
    const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(
        e.code === 'ENOENT' ? `no such file or directory: ${input}` : `cannot read ${input}: ${e.message}`,
      );
    });
    if (info.isDirectory()) {
      const files: string[] = [];
      await walk(path, files, out, new Set([await realpath(path)]), cwd);
      for (const f of files) add({ kind: 'file', path: f, name: sourceName(f, cwd) }, f);
    } else if (info.isFile()) {
      // Named explicitly: handed to the parser even if the extension looks unsupported (it reports why).
      add({ kind: 'file', path, name: sourceName(path, cwd) }, path);
    } else {
      throw new UsageError(`not a regular file or directory: ${input}`);
    }
  }
  return out;
}

/** Supported files under dir, depth first in name order; symlinked directories are followed once. */
async function walk(
  dir: string,
  files: string[],
  out: Expansion,
  visited: Set<string>,
  cwd: string,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    out.failures.push({
      name: sourceName(dir, cwd) + '/',
      code: `FS.${err.code ?? 'ERROR'}`,
      message: `cannot list directory: ${err.message}`,
    });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(full).catch(() => undefined);
      isDir = !!target?.isDirectory();
      isFile = !!target?.isFile();
    }
    if (isDir) {
      const real = await realpath(full).catch(() => full);
      if (visited.has(real)) continue;
      visited.add(real);
      await walk(full, files, out, visited, cwd);
    } else if (isFile) {
      if (isSupported(entry.name)) files.push(full);
      else out.skipped++;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reporting

interface Tally {
  created: number;
  replaced: number;
  deduplicated: number;
  chunks: number;
}

const emptyTally = (): Tally => ({ created: 0, replaced: 0, deduplicated: 0, chunks: 0 });

function count(t: Tally, r: IngestResult): void {
  if (r.deduplicated) t.deduplicated++;
  else if (r.replaced) t.replaced++;
  else t.created++;
  if (!r.deduplicated) t.chunks += r.chunks;
}

const docs = (t: Tally) => t.created + t.replaced + t.deduplicated;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const describe = (t: Tally) =>
  `${plural(docs(t), 'document')} (${t.created} new, ${t.replaced} replaced, ${t.deduplicated} deduplicated), ${plural(t.chunks, 'chunk')}`;

function problem(e: unknown): { code: string; message: string } {
  if (e instanceof DomainError) return { code: e.code, message: e.message };
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string')
    return { code: `FS.${err.code}`, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(e) };
}

/** Where progress goes: a cli-progress bar on a terminal, one line per target otherwise. */
interface Reporter {
  start(total: number): void;
  begin(target: IngestTarget): void;
  document(total: Tally): void;
  done(index: number, target: IngestTarget, file: Tally, seconds: number): void;
  failed(index: number, target: IngestTarget, failure: Failure): void;
  stop(): void;
}

function plainReporter(io: IngestCliIo): Reporter {
  let total = 0;
  const prefix = (i: number) => `[${i}/${total}]`;
  return {
    start: (n) => (total = n),
    begin: () => undefined,
    document: () => undefined,
    done: (i, t, file, s) =>
      io.stdout.write(`${prefix(i)} ${t.name}: ${describe(file)}, ${s.toFixed(1)} s\n`),
    failed: (i, t, f) => io.stderr.write(`${prefix(i)} ${t.name}: FAILED ${f.code}: ${f.message}\n`),
    stop: () => undefined,
  };
}

function barReporter(io: IngestCliIo): Reporter {
  const multi = new MultiBar(
    {
      stream: io.stdout,
      format: ' {bar} {value}/{total} files | {docs} docs | {chunks} chunks | {file}',
      hideCursor: true,
      clearOnComplete: false,
      gracefulExit: false,
      autopadding: true,
    },
    Presets.shades_classic,
  );
  let bar: SingleBar | undefined;
  let file = '';
  const short = (name: string) => (name.length > 48 ? '…' + name.slice(-47) : name);
  return {
    start: (n) => (bar = multi.create(n, 0, { docs: 0, chunks: 0, file: '' })),
    begin: (t) => {
      file = short(t.name);
      bar?.update({ file });
    },
    document: (total) => bar?.update({ docs: docs(total), chunks: total.chunks, file }),
    done: () => bar?.increment(),
    failed: (_i, t, f) => {
      multi.log(`✗ ${t.name}: ${f.code}: ${f.message}\n`);
      bar?.increment();
    },
    stop: () => {
      bar?.update({ file: '' });
      multi.update(); // flushes the buffered failure lines
      multi.stop();
    },
  };
}

class Interrupted extends Error {}

// ---------------------------------------------------------------------------------------------------------------

/**
 * `npm run ingest -- <path|url>...`: boots the application (no HTTP) on the configured database and feeds every
 * file and URL through the same handlers as the API. One failing input is reported and the run goes on.
 * Returns the exit code: 0 all ingested, 1 any failure, 2 usage error, 130 interrupted.
 */
export async function runIngestCli(
  argv: string[],
  io: IngestCliIo,
  overrides: DeepPartial<AppConfig> = {},
  runtime: IngestCliRuntime = {},
): Promise<number> {
  const out = (s: string) => io.stdout.write(s);
  const err = (s: string) => io.stderr.write(s);
  const cwd = runtime.cwd ?? process.cwd();

  let args: IngestCliArgs;
  let expansion: Expansion;
  try {
    args = parseIngestArgs(argv);
    if (args.help) {
      out(USAGE);
      return EXIT_OK;
    }
    if (args.inputs.length === 0)
      throw new UsageError('nothing to ingest: give at least one file, directory or URL');
    expansion = await expandInputs(args.inputs, cwd);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`ingest: ${e.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { targets, skipped } = expansion;
  const failures: Failure[] = [...expansion.failures];
  if (skipped > 0)
    err(`Skipping ${plural(skipped, 'file')} with unsupported extensions in the given directories.\n`);
  for (const f of failures) err(`${f.name}: FAILED ${f.code}: ${f.message}\n`);
  if (targets.length === 0) {
    err('No supported files found.\n');
    return failures.length ? EXIT_FAILURES : EXIT_OK;
  }

  const bootStarted = Date.now();
  let app: INestApplicationContext | undefined;
  let config: AppConfig;
  try {
    const env = runtime.env ?? environment();
    // Quiet by default: the CLI reports its own progress; LOG_LEVEL / LOG_FORMAT still win when set.
    config = loadConfig({
      env: { ...env, LOG_LEVEL: env.LOG_LEVEL || 'warn', LOG_FORMAT: env.LOG_FORMAT || 'json' },
      overrides,
    });
    // Silent boot: a boot error is reported below in one line (with the stack at LOG_LEVEL debug or trace),
    // not also as Nest's multi-line exception dump; from then on errors and warnings are logged as usual.
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
      logger: false,
      abortOnError: false,
    });
    await app.init();
    // logger: false removed Nest's global logger: give it a new one (useLogger(levels) would set levels on nothing)
    app.useLogger(new ConsoleLogger({ logLevels: ['error', 'warn'] }));
  } catch (e) {
    err(`ingest: could not start the application: ${(e as Error).message}\n`);
    if (/^(debug|trace)$/.test(runtime.env?.LOG_LEVEL ?? process.env.LOG_LEVEL ?? '')) err(`${(e as Error).stack}\n`);
    await app?.close().catch(() => undefined);
    return EXIT_FAILURES;
  }
  const where = config.database.url ? 'DATABASE_URL' : resolve(config.app.dataDir);
  out(
    `Ingesting ${plural(targets.length, 'input')} into collection "${args.collection}" (${where}), started in ${((Date.now() - bootStarted) / 1000).toFixed(1)} s\n`,
  );

  const total = emptyTally();
  const reporter = io.isTTY ? barReporter(io) : plainReporter(io);
  const started = process.hrtime.bigint();
  let processed = 0;
  let interrupted = false;
  try {
    const filesHandler = app.get(IngestFilesHandler);
    const urlHandler = app.get(IngestUrlHandler);
    const maxBytes = config.ingestion.maxFileBytes;
    const parseOptions = { csv: args.csv };
    reporter.start(targets.length);
    for (const [i, target] of targets.entries()) {
      if (runtime.signal?.aborted) {
        interrupted = true;
        break;
      }
      reporter.begin(target);
      const file = emptyTally();
      const fileStarted = Date.now();
      const onDocument = (r: IngestResult) => {
        count(file, r);
        count(total, r);
        reporter.document(total);
        if (runtime.signal?.aborted) throw new Interrupted();
      };
      try {
        if (target.kind === 'url') {
          onDocument(
            await urlHandler.execute({
              url: target.url,
              collection: args.collection,
              metadata: args.metadata,
            }),
          );
        } else {
          const size = (await stat(target.path)).size;
          if (size > maxBytes) {
            throw new DomainError(
              'INGESTION.TOO_LARGE',
              'too_large',
              `Document "${target.name}" is larger than the limit of ${maxBytes} bytes.`,
            );
          }
          const buffer = await readFile(target.path);
          await filesHandler.execute(
            {
              collection: args.collection,
              files: [{ buffer, filename: target.name }],
              metadata: args.metadata,
              parseOptions,
            },
            onDocument,
          );
        }
        processed++;
        reporter.done(i + 1, target, file, (Date.now() - fileStarted) / 1000);
      } catch (e) {
        if (e instanceof Interrupted) {
          interrupted = true;
          break;
        }
        processed++;
        const failure = { name: target.name, ...problem(e) };
        failures.push(failure);
        reporter.failed(i + 1, target, failure);
      }
    }
  } finally {
    reporter.stop();
    await app.close().catch((e: Error) => err(`ingest: closing the application failed: ${e.message}\n`));
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (io.isTTY && failures.length) {
    err(`${plural(failures.length, 'failure')}:\n`);
    for (const f of failures) err(`  ${f.name}: ${f.code}: ${f.message}\n`);
  }
  if (interrupted)
    err(
      `Interrupted after ${processed} of ${plural(targets.length, 'input')}; run the same command again to continue.\n`,
    );
  out(
    [
      `Summary (collection "${args.collection}")`,
      `  inputs     ${processed} of ${targets.length} processed${skipped ? `, ${skipped} unsupported skipped` : ''}`,
      `  documents  ${docs(total)} (${total.created} new, ${total.replaced} replaced, ${total.deduplicated} deduplicated)`,
      `  chunks     ${total.chunks}`,
      `  failures   ${failures.length}`,
      `  time       ${seconds.toFixed(1)} s (${(seconds > 0 ? total.chunks / seconds : 0).toFixed(1)} chunks/s)`,
      '',
    ].join('\n'),
  );
  if (interrupted) return EXIT_INTERRUPTED;
  return failures.length ? EXIT_FAILURES : EXIT_OK;
}
