import 'reflect-metadata';
import type { Dirent } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { access, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { IngestResult } from '../modules/ingestion';
import type { BulkImport } from '../modules/retrieval';
// The domain constants from their own files, not the module indexes: --help and HTTP mode then start without
// loading Nest and every module (about 1.5 s); the in-process mode loads them when it boots (ingest-backends.ts).
import { SUPPORTED_EXTENSIONS } from '../modules/ingestion/domain/ingestion.errors';
import { COLLECTION_NAME_PATTERN, DEFAULT_COLLECTION } from '../modules/retrieval/domain/collection-name';
import { type DeepPartial, environment, loadConfig, resolveDataPath } from '../shared/config/config.loader';
import type { AppConfig } from '../shared/config/config.schema';
import { DataDirLockedError, dataDirOwner, type DataDirOwner } from '../shared/database/embedded-postgres';
import { DomainError } from '../shared/errors/domain-error';
import { PROTO_KEY_MESSAGE, protoKeyPath } from '../shared/errors/proto-key';
import {
  CredentialRefusedError,
  HttpBackend,
  type IngestBackend,
  type ApiCredential,
  type IngestJob,
  RemoteProblemError,
  ServerUnreachableError,
  startLocalBackend,
} from './ingest-backends';

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
  /** `--url`: the acervo server everything is sent to (HTTP mode), without a trailing slash. */
  server?: string;
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
       npx acervo-ingest <path|url>... [options]

Bulk-loads documents into the knowledge base (DATA_DIR / DATABASE_URL / APP_PROFILES as for the server).
When a running acervo server holds the embedded database in DATA_DIR, the inputs are sent to it over HTTP.
  <path>   a file, or a directory: every supported file inside it, recursively
           (${SUPPORTED_EXTENSIONS.join(' ')})
  <url>    an http(s) page, fetched and ingested like POST /v1/documents/url

Options:
  --url <http://host:port>  send everything to the acervo server at this address (HTTP mode)
                            (in HTTP mode the API key in ACERVO_API_KEY, else ADMIN_API_KEY, is sent)
  --collection <name>       target collection (default: ${DEFAULT_COLLECTION})
  --metadata <json>         JSON object merged into every document's metadata
  --text-columns a,b        CSV: columns holding the text to index
  --title-column x          CSV: column used as the document title
  --id-column x             CSV: column identifying a row (source id suffix)
  --list-columns a,b        CSV: columns split into arrays (filterable by element)
  -h, --help                show this help

Files are identified by their path relative to the working directory, so running the same
command again replaces changed documents and skips unchanged ones. Files left out are named,
with the reason (unsupported extension, too big, unreadable).
Exit codes: 0 all ingested, 1 some failed (or the server refused the API key: the run stops),
2 usage error, 130 interrupted.
`;

/**
 * The SIGINT handler of the CLI. Ctrl+C once: stop after the batch being written, close the database cleanly, exit
 * 130. Twice: exit now, saying what that leaves (probe 17: a second Ctrl+C during the final index build of a large
 * import exited without a word, the output ending at "Building the vector index...").
 */
export function interruptHandler(interrupt: AbortController, write: (text: string) => void, exit: (code: number) => void): () => void {
  return () => {
    if (interrupt.signal.aborted) {
      write(
        'Quit. What was committed stays, and the same command continues from there; a vector index a large import left unbuilt is built when acervo next starts.\n',
      );
      exit(EXIT_INTERRUPTED);
      return;
    }
    write('\nStopping after the batch being written (Ctrl+C again to quit now)...\n');
    interrupt.abort();
  };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const VALUE_OPTIONS = [
  '--url',
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
    case '--url': {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      // a user:password in the address is never echoed (nor sent: acervo takes an API key, ACERVO_API_KEY)
      const shown = value.replace(/\/\/[^/?#]*@/, '//…@');
      if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash)
        throw new UsageError(
          `--url "${shown}" is not the http(s) address of an acervo server (e.g. http://localhost:3000)`,
        );
      if (url.username || url.password)
        throw new UsageError(
          `--url "${shown}" carries a user or password: give the server's address alone and the API key in ACERVO_API_KEY`,
        );
      args.server = url.href.replace(/\/+$/, '');
      return;
    }
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
      // the rule of POST /v1/documents (its JSON body and its multipart metadata field)
      const proto = protoKeyPath(parsed, 'metadata');
      if (proto) throw new UsageError(`--metadata: ${proto}: ${PROTO_KEY_MESSAGE}`);
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

/** A file left out, named with the reason; `code` when leaving it out is a failure (too big, unreadable). */
interface Skip {
  name: string;
  path: string;
  reason: string;
  code?: string;
}

interface Expansion {
  targets: IngestTarget[];
  /** Files found in directories that are not ingested: unsupported extension, broken link, not a regular file. */
  skipped: Skip[];
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
  const out: Expansion = { targets: [], skipped: [], failures: [] };
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
  // A file both found in a directory and named explicitly is not skipped.
  out.skipped = out.skipped.filter((s) => !seen.has(s.path));
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
    const skip = (reason: string) => out.skipped.push({ name: sourceName(full, cwd), path: full, reason });
    if (isDir) {
      const real = await realpath(full).catch(() => full);
      if (visited.has(real)) continue;
      visited.add(real);
      await walk(full, files, out, visited, cwd);
    } else if (isFile) {
      if (isSupported(entry.name)) files.push(full);
      else
        skip(
          extname(entry.name)
            ? `unsupported extension ${extname(entry.name)}`
            : 'no extension (unsupported type)',
        );
    } else if (entry.isSymbolicLink()) {
      skip('broken symbolic link');
    } else {
      skip('not a regular file');
    }
  }
}

const MB = 1024 * 1024;
const megabytes = (bytes: number) => `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;

/** PDF, DOCX and HTML hold much less text than their size (markup, fonts, compression): counted at a quarter. */
const CONTAINERS = new Set(['.pdf', '.docx', '.html', '.htm']);

/**
 * About how many chunks the files will make, from their sizes and the chunk size (about 4.5 characters a token):
 * rather low than high, since it decides whether the vector index is dropped for the import (beginBulkImport).
 */
export async function expectedChunks(
  targets: IngestTarget[],
  chunking: { unit: 'tokens' | 'characters'; size: number; overlap: number },
): Promise<number> {
  const perChunk = Math.max(1, (chunking.unit === 'tokens' ? 4.5 : 1) * (chunking.size - chunking.overlap));
  let chunks = 0;
  for (const t of targets) {
    if (t.kind !== 'file') continue;
    const size = await stat(t.path).then((s) => s.size, () => 0);
    chunks += size / (CONTAINERS.has(extname(t.path).toLowerCase()) ? perChunk * 4 : perChunk);
  }
  return Math.floor(chunks);
}

/**
 * Files that cannot be ingested whatever the backend: larger than ingestion.maxFileBytes (INGESTION.TOO_LARGE) or not
 * readable by this user. They are left out before anything starts and, as when they failed one by one, count as failures.
 */
async function unreadable(targets: IngestTarget[], maxBytes: number): Promise<Skip[]> {
  const out: Skip[] = [];
  for (const t of targets) {
    if (t.kind !== 'file') continue;
    try {
      const { size } = await stat(t.path);
      if (size > maxBytes) {
        out.push({
          name: t.name,
          path: t.path,
          code: 'INGESTION.TOO_LARGE',
          reason: `too big (${megabytes(size)}; the limit is ${megabytes(maxBytes)}, ingestion.maxFileBytes)`,
        });
        continue;
      }
      await access(t.path, fsConstants.R_OK);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      out.push({
        name: t.name,
        path: t.path,
        code: `FS.${err.code ?? 'ERROR'}`,
        reason: `unreadable (${err.message})`,
      });
    }
  }
  return out;
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
  if (e instanceof DomainError || e instanceof RemoteProblemError)
    return { code: e.code, message: e.message };
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

/** Files per in-process call, and the bytes read ahead for one call (at least one file). */
const GROUP_FILES = 64;
const GROUP_BYTES = 16 * 1024 * 1024;

/** The consecutive file targets from `start` (up to GROUP_FILES / GROUP_BYTES), read; a file that cannot be read carries its error. */
async function readGroup(targets: IngestTarget[], start: number): Promise<Array<{ index: number; buffer?: Buffer; error?: unknown }>> {
  const out: Array<{ index: number; buffer?: Buffer; error?: unknown }> = [];
  let bytes = 0;
  for (let i = start; i < targets.length && out.length < GROUP_FILES && (out.length === 0 || bytes < GROUP_BYTES); i++) {
    const t = targets[i];
    if (t.kind !== 'file') break;
    try {
      const buffer = await readFile(t.path);
      bytes += buffer.length;
      out.push({ index: i, buffer });
    } catch (error) {
      out.push({ index: i, error });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Where the inputs go

/** The data dir is held by a process that serves no HTTP API (another ingest run, pg-server, an older server). */
class DataDirBusyError extends Error {
  constructor(dir: string, owner: DataDirOwner) {
    const who =
      owner.role === 'ingest'
        ? 'another ingest run'
        : owner.role === 'pg-server'
          ? 'pg-server'
          : 'another acervo process';
    super(
      `the embedded database at ${dir} is in use by ${who} (pid ${owner.pid}), which serves no HTTP API to send the files to. ` +
        'Wait for it to finish, point DATA_DIR elsewhere, or pass --url <address of an acervo server>.',
    );
    this.name = 'DataDirBusyError';
  }
}

/** How long to wait for a process that holds the data dir but has not said what it is (a server still booting). */
const OWNER_WAIT_MS = 20_000;

/** The data dir's holder once it has said what it is; undefined when nobody holds it (or it let go while we waited). */
async function settledOwner(
  dir: string,
  say: (s: string) => void,
  signal?: AbortSignal,
): Promise<DataDirOwner | undefined> {
  let owner = dataDirOwner(dir);
  if (owner && !owner.role) {
    say(
      `The embedded database at ${dir} is held by pid ${owner.pid}, still starting: waiting for it to say where it serves HTTP...\n`,
    );
    const until = Date.now() + OWNER_WAIT_MS;
    while (owner && !owner.role && Date.now() < until && !signal?.aborted) {
      await new Promise((r) => setTimeout(r, 200));
      owner = dataDirOwner(dir);
    }
  }
  return owner;
}

/**
 * HTTP mode when `--url` is given or a server holds the embedded database (its lock file names it and its URL);
 * in process otherwise. A server that takes the data dir between the look and the boot is found by looking again.
 */
async function openBackend(
  args: IngestCliArgs,
  config: AppConfig,
  credential: ApiCredential | undefined,
  say: (s: string) => void,
  signal?: AbortSignal,
): Promise<IngestBackend> {
  const http = async (url: string, where: string) => {
    const key = credential ? `, API key from ${credential.from}` : ', no API key';
    const backend = new HttpBackend(url, where + key, credential);
    await backend.connect();
    return backend;
  };
  if (args.server) return http(args.server, `acervo server at ${args.server}`);
  const dir = config.database.url ? undefined : resolveDataPath(config, config.database.embedded.dir);
  for (let attempt = 0; ; attempt++) {
    if (dir) {
      const owner = await settledOwner(dir, say, signal);
      if (owner?.role === 'server' && owner.url)
        return http(
          owner.url,
          `acervo server at ${owner.url}, pid ${owner.pid}, which holds ${resolve(config.app.dataDir)}`,
        );
      if (owner) throw new DataDirBusyError(dir, owner); // another kind of holder, or one that never said
    }
    try {
      return await startLocalBackend(config);
    } catch (e) {
      if (
        dir &&
        attempt === 0 &&
        (e instanceof DataDirLockedError || (e as Error)?.name === 'DataDirLockedError')
      )
        continue;
      throw e;
    }
  }
}

/**
 * The key sent in HTTP mode: ACERVO_API_KEY (any user or admin key), else the bootstrap admin key (ADMIN_API_KEY,
 * as `npm run keys` and `seed:sales` send it). Never on the command line, where `ps` and the shell history show it.
 */
function apiCredential(env: Record<string, string | undefined>, config: AppConfig): ApiCredential | undefined {
  if (env.ACERVO_API_KEY) return { key: env.ACERVO_API_KEY, from: 'ACERVO_API_KEY' };
  if (config.admin.apiKey) return { key: config.admin.apiKey, from: 'ADMIN_API_KEY' };
  return undefined;
}

/** Why the run stopped at a 401/403, and what to do: the server's code and detail, never the key. */
function refusal(e: CredentialRefusedError, collection: string): string {
  const sent = e.keyFrom ? `the API key from ${e.keyFrom}` : 'no API key sent';
  const fix =
    e.status === 401
      ? 'set ACERVO_API_KEY to a valid API key (npm run keys -- create)'
      : `use a key that may write to collection "${collection}"`;
  return `the acervo server at ${e.server} answered ${e.status} ${e.code} (${sent}): ${e.message} To go on, ${fix} and run the same command again.`;
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * `npm run ingest -- <path|url>...`: feeds every file and URL through the same handlers as the API, in this process
 * (the application booted without HTTP on the configured database) or, when a running server holds the embedded
 * database or `--url` names one, through that server's HTTP API. One failing input is reported and the run goes on.
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

  const bootStarted = Date.now();
  const env = runtime.env ?? environment();
  const debug = /^(debug|trace)$/.test(env.LOG_LEVEL ?? '');
  let config: AppConfig;
  try {
    // Quiet by default: the CLI reports its own progress; LOG_LEVEL / LOG_FORMAT still win when set.
    config = loadConfig({
      env: { ...env, LOG_LEVEL: env.LOG_LEVEL || 'warn', LOG_FORMAT: env.LOG_FORMAT || 'json' },
      overrides,
    });
  } catch (e) {
    err(`ingest: could not start the application: ${(e as Error).message}\n`);
    return EXIT_FAILURES;
  }

  const failures: Failure[] = [...expansion.failures];
  const leftOut = await unreadable(expansion.targets, config.ingestion.maxFileBytes);
  const excluded = new Set(leftOut.map((s) => s.path));
  const targets = expansion.targets.filter((t) => t.kind !== 'file' || !excluded.has(t.path));
  const skipped = [...expansion.skipped, ...leftOut];
  for (const s of skipped) {
    err(`Skipped ${s.name}: ${s.reason}${s.code ? ` [${s.code}]` : ''}\n`);
    if (s.code) failures.push({ name: s.name, code: s.code, message: s.reason });
  }
  for (const f of expansion.failures) err(`${f.name}: FAILED ${f.code}: ${f.message}\n`);
  if (targets.length === 0) {
    err(leftOut.length ? 'No files left to ingest.\n' : 'No supported files found.\n');
    return failures.length ? EXIT_FAILURES : EXIT_OK;
  }

  let backend: IngestBackend;
  try {
    backend = await openBackend(args, config, apiCredential(env, config), err, runtime.signal);
  } catch (e) {
    if (e instanceof ServerUnreachableError || e instanceof DataDirBusyError) err(`ingest: ${e.message}\n`);
    else if (e instanceof CredentialRefusedError) err(`ingest: ${refusal(e, args.collection)}\n`);
    else {
      err(`ingest: could not start the application: ${(e as Error).message}\n`);
      if (debug) err(`${(e as Error).stack}\n`);
    }
    return EXIT_FAILURES;
  }
  const where =
    backend instanceof HttpBackend
      ? backend.where
      : config.database.url
        ? 'DATABASE_URL'
        : resolve(config.app.dataDir);
  out(
    `Ingesting ${plural(targets.length, 'input')} into collection "${args.collection}" (${where}), started in ${((Date.now() - bootStarted) / 1000).toFixed(1)} s\n`,
  );

  // an earlier run killed between dropping the vector index and building it: the application built it while starting
  for (const r of backend.indexRepairs?.() ?? []) {
    if (r.error) err(`ingest: the vector index for dimension ${r.dimension} was missing and could not be built (${r.error}); vector searches scan every row until it is\n`);
    else out(`The vector index for dimension ${r.dimension} was missing (an earlier import stopped before building it): built over ${r.rows} vectors in ${(r.ms / 1000).toFixed(1)} s\n`);
  }

  // A large first import (ingestion.bulkIndex): the vector index dropped now and built once at the end.
  let bulk: BulkImport | null = null;
  try {
    const expected = await expectedChunks(targets, config.ingestion.chunking);
    bulk = (await backend.beginBulkImport?.(args.collection, expected)) ?? null;
    if (bulk)
      out(
        `About ${expected} chunks to write, more than the ${bulk.indexedBefore} vectors indexed: the vector index is built once at the end instead of chunk by chunk\n`,
      );
  } catch (e) {
    err(`ingest: could not prepare the import: ${(e as Error).message}\n`);
    await backend.close().catch(() => undefined);
    return EXIT_FAILURES;
  }

  const job: IngestJob = { collection: args.collection, metadata: args.metadata, csv: args.csv };
  const total = emptyTally();
  const reporter = io.isTTY ? barReporter(io) : plainReporter(io);
  const started = process.hrtime.bigint();
  let processed = 0;
  let interrupted = false;
  let stopped: string | undefined;
  try {
    reporter.start(targets.length);
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      if (runtime.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (target.kind === 'file' && backend.ingestFiles) {
        // In process: consecutive files go together (their documents share batches), each with its own result.
        const group = await readGroup(targets, i);
        let fileStarted = Date.now();
        let reported = i; // targets before this one have been reported
        const settle = (index: number, file: Tally, error?: unknown) => {
          processed++;
          if (error === undefined) reporter.done(index + 1, targets[index], file, (Date.now() - fileStarted) / 1000);
          else {
            const failure = { name: targets[index].name, ...problem(error) };
            failures.push(failure);
            reporter.failed(index + 1, targets[index], failure);
          }
          fileStarted = Date.now();
          reported = index + 1;
          if (reported < targets.length && group.some((g) => g.index === reported)) reporter.begin(targets[reported]);
        };
        // files that could not be read are reported in their place, between the others
        const unreadBefore = (index: number) => {
          for (const g of group) if (g.index >= reported && g.index < index && g.error !== undefined) settle(g.index, emptyTally(), g.error);
        };
        const readable = group.filter((g) => g.buffer);
        const tallies = readable.map(() => emptyTally());
        let settledFiles = 0;
        reporter.begin(target);
        // Ctrl+C stops between batches, not by throwing from onDocument: a batch is committed before its documents
        // are reported, so a throw there left the rest of that batch stored but uncounted (probe 17: "Interrupted
        // after 128 of 300 inputs" while 178 files were stored)
        await backend.ingestFiles(
          readable.map((g) => ({ name: targets[g.index].name, buffer: g.buffer! })),
          job,
          (k, r) => {
            count(tallies[k], r);
            count(total, r);
            reporter.document(total);
          },
          (k, outcome) => {
            unreadBefore(readable[k].index);
            settle(readable[k].index, tallies[k], outcome.error);
            settledFiles++;
          },
          () => runtime.signal?.aborted === true,
        );
        if (settledFiles < readable.length) {
          interrupted = true; // stopped between batches: the files after the last one written are left for the next run
          break;
        }
        unreadBefore(group[group.length - 1].index + 1);
        i = group[group.length - 1].index;
        continue;
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
        if (target.kind === 'url') onDocument(await backend.ingestUrl(target.url, job));
        else
          await backend.ingestFile(
            { name: target.name, buffer: await readFile(target.path) },
            job,
            onDocument,
          );
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
        if (e instanceof ServerUnreachableError) {
          stopped = `${e.message}. Run the same command again to continue.`;
          break;
        }
        if (e instanceof CredentialRefusedError) {
          stopped = refusal(e, args.collection);
          break;
        }
      }
    }
  } finally {
    reporter.stop();
    if (bulk) {
      out(`Building the vector index over the collection's vectors (dimension ${bulk.dimension}; Ctrl+C now leaves it to be built when the application next starts)...\n`);
      await bulk
        .finish()
        .then((ms) => out(`Vector index built in ${(ms / 1000).toFixed(1)} s\n`))
        .catch((e: Error) => {
          failures.push({ name: '(vector index)', code: 'INDEX.BUILD_FAILED', message: e.message });
          err(`ingest: building the vector index failed (${e.message}); the application tries again when it next starts\n`);
        });
    }
    await backend.close().catch((e: Error) => err(`ingest: closing the application failed: ${e.message}\n`));
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (io.isTTY && failures.length) {
    err(`${plural(failures.length, 'failure')}:\n`);
    for (const f of failures) err(`  ${f.name}: ${f.code}: ${f.message}\n`);
  }
  if (stopped) err(`ingest: stopped: ${stopped}\n`);
  if (interrupted)
    err(
      `Interrupted after ${processed} of ${plural(targets.length, 'input')}; run the same command again to continue.\n`,
    );
  out(
    [
      `Summary (collection "${args.collection}")`,
      `  inputs     ${processed} of ${targets.length} processed${skipped.length ? `, ${skipped.length} skipped` : ''}`,
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
