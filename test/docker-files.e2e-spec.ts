/**
 * Checks Dockerfile, .dockerignore and docker-compose.yml without a Docker engine: the files are parsed and the
 * properties a deployer relies on are asserted. The healthcheck commands are run for real against a local server.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = join(__dirname, '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile: a small parser (line continuations, comments, flags, exec form, named stages). Heredocs unsupported.

interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  args: string;
}

interface Stage {
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

const FLAGGED = new Set(['RUN', 'COPY', 'ADD', 'HEALTHCHECK', 'FROM']);

function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1).trim() + ' ';
      continue;
    }
    logical.push((pending + line).trim());
    pending = '';
  }
  if (pending.trim()) logical.push(pending.trim());

  const stages: Stage[] = [];
  for (const line of logical) {
    const keyword = line.split(/\s/, 1)[0].toUpperCase();
    let rest = line.slice(keyword.length).trim();
    const flags: Record<string, string> = {};
    while (FLAGGED.has(keyword) && rest.startsWith('--')) {
      const token = rest.split(/\s/, 1)[0];
      const eq = token.indexOf('=');
      flags[eq < 0 ? token.slice(2) : token.slice(2, eq)] = eq < 0 ? 'true' : token.slice(eq + 1);
      rest = rest.slice(token.length).trim();
    }
    if (keyword === 'FROM') {
      const [base, as, name] = rest.split(/\s+/);
      stages.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    if (stages.length === 0) continue; // global ARGs before the first FROM
    stages[stages.length - 1].instructions.push({ keyword, flags, args: rest });
  }
  return stages;
}

/** JSON (exec) form as an argv, or undefined for shell form. */
function execForm(args: string): string[] | undefined {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : undefined;
}

function copySpec(ins: Instruction): { sources: string[]; dest: string } {
  const parts = execForm(ins.args) ?? ins.args.split(/\s+/);
  return { sources: parts.slice(0, -1), dest: parts[parts.length - 1] };
}

/** ENV KEY=value KEY2="value 2" (and the legacy ENV KEY value). */
function envPairs(args: string): Record<string, string> {
  if (!/^[A-Za-z_]\w*=/.test(args)) {
    const [key, ...value] = args.split(/\s+/);
    return { [key]: value.join(' ') };
  }
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_]\w*)=("([^"]*)"|\S*)/g)) out[m[1]] = m[3] ?? m[2];
  return out;
}

function stageEnv(stage: Stage): Record<string, string> {
  return Object.assign(
    {},
    ...stage.instructions.filter((i) => i.keyword === 'ENV').map((i) => envPairs(i.args)),
  );
}

/** A stage followed back through the stages it is built FROM, oldest first. */
function lineage(stages: Stage[], stage: Stage): Stage[] {
  const parent = stages.find((s) => s.name === stage.base);
  return parent ? [...lineage(stages, parent), stage] : [stage];
}

/** Walks a stage's history and reports, for each instruction, the WORKDIR it runs in. */
function withWorkdir(stages: Stage[], stage: Stage): { ins: Instruction; workdir: string }[] {
  let workdir = '/';
  const out: { ins: Instruction; workdir: string }[] = [];
  for (const s of lineage(stages, stage)) {
    for (const ins of s.instructions) {
      if (ins.keyword === 'WORKDIR') workdir = posix.resolve(workdir, ins.args);
      out.push({ ins, workdir });
    }
  }
  return out;
}

/** Absolute path where a COPY puts `source` (dest ending in / or holding several sources is a directory). */
function copiedTo(ins: Instruction, source: string, workdir: string): string {
  const { sources, dest } = copySpec(ins);
  const target = posix.resolve(workdir, dest);
  const intoDir = dest.endsWith('/') || dest === '.' || sources.length > 1;
  return intoDir ? posix.join(target, posix.basename(source)) : target;
}

const runsNpmCi = (ins: Instruction): boolean => ins.keyword === 'RUN' && /\bnpm ci\b/.test(ins.args);
const omitsDev = (ins: Instruction): boolean => /--omit=dev\b|--production\b/.test(ins.args);

// ---------------------------------------------------------------------------------------------------------------
// .dockerignore: Docker's matching (patterns relative to the context root, last match wins, `!` re-includes,
// a directory pattern excludes everything under it).

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function isIgnored(patterns: string[], path: string): boolean {
  const segments = posix
    .normalize(path)
    .replace(/^\.?\//, '')
    .split('/');
  const candidates = segments.map((_s, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = posix.normalize((negate ? raw.slice(1) : raw).trim()).replace(/^\//, '');
    const re = globToRegExp(pattern);
    if (candidates.some((c) => re.test(c))) ignored = !negate;
  }
  return ignored;
}

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml

interface HealthCheck {
  test?: string | string[];
  disable?: boolean;
}

interface Service {
  image?: string;
  command?: string | string[];
  build?: string | { context?: string; dockerfile?: string };
  ports?: (string | number | { target: number; published?: string | number })[];
  expose?: (string | number)[];
  environment?: Record<string, string | number | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: HealthCheck;
  volumes?: (string | { type?: string; source?: string; target: string })[];
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => [e.split('=', 1)[0], e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Short ("8080:3000", "127.0.0.1:8080:3000/tcp") or long port syntax as { published, target }. */
function portMappings(service: Service): { published: number | undefined; target: number }[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object')
      return { published: p.published === undefined ? undefined : Number(p.published), target: p.target };
    const parts = String(p)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const target = Number(parts[parts.length - 1]);
    return { published: parts.length > 1 ? Number(parts[parts.length - 2]) : undefined, target };
  });
}

function namedVolumes(service: Service): { source: string; target: string }[] {
  return (service.volumes ?? []).flatMap((v) => {
    const [source, target] = typeof v === 'string' ? v.split(':') : [v.source ?? '', v.target];
    return /^[A-Za-z0-9][\w.-]*$/.test(source) ? [{ source, target }] : [];
  });
}

/** The healthcheck as an argv to run: CMD form as is, CMD-SHELL and plain strings through sh -c. */
function healthcheckArgv(check: HealthCheck | undefined): string[] {
  const test = check?.test;
  if (test === undefined || check?.disable) return [];
  if (typeof test === 'string') return ['sh', '-c', test];
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return ['sh', '-c', test.slice(1).join(' ')];
  return [];
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  return [];
}

/** ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $VAR — but not the escaped $$. */
function interpolations(text: string): { name: string; operator: string | undefined; rest: string }[] {
  const found: { name: string; operator: string | undefined; rest: string }[] = [];
  for (const m of text.matchAll(/(?<!\$)\$(?:\{([A-Za-z_]\w*)(:?[-?+])?([^}]*)\}|([A-Za-z_]\w*))/g)) {
    found.push({ name: m[1] ?? m[4], operator: m[2], rest: m[3] ?? '' });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Running a healthcheck command against a local stand-in for the app.

function exitCode(argv: string[], env: Record<string, string>): Promise<number | null> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd === 'node' ? process.execPath : cmd, args, {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/** Serves `status` on every path (or nothing, for 'down'), runs the healthcheck with PORT pointing at it. */
async function probe(
  argv: string[],
  status: number | 'down',
  portVariable = 'PORT',
): Promise<{ code: number | null; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(status === 'down' ? 500 : status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
  if (status === 'down') await close();
  try {
    return { code: await exitCode(argv, { [portVariable]: String(port) }), paths };
  } finally {
    if (status !== 'down') await close();
  }
}

// ---------------------------------------------------------------------------------------------------------------

const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages[stages.length - 1];
const runtimeSteps = withWorkdir(stages, runtime);
const runtimeEnv = stageEnv(runtime);
const dockerignore = read('.dockerignore')
  .split(/\r?\n/)
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as Compose;
const services = compose.services;
const apiEnv = environmentOf(services.api);
const documented = new Map(
  [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=(\S*)/gm)].map(
    (m) => [m[1], m[2]] as [string, string],
  ),
);
// Read by Node, npm and libraries rather than by acervo's config; also read by the logging module (see report).
const PLATFORM_VARS = new Set(['NODE_ENV']);
const EXPECTED_NODE_MAJOR = Number(
  /(\d+)/.exec(JSON.parse(read('package.json')).engines.node as string)?.[1],
);

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0];
}

describe('Dockerfile', () => {
  it('builds in named stages from a Node the package accepts, each --from naming an earlier stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const names = stages.map((s) => s.name);
    expect(names.every((n) => n !== undefined)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    stages.forEach((stage, i) => {
      const earlier = names.slice(0, i);
      if (!earlier.includes(stage.base)) {
        expect(stage.base).toMatch(/^node:\d+(\.\d+)*-bookworm-slim$/);
        expect(Number(/^node:(\d+)/.exec(stage.base)?.[1])).toBeGreaterThanOrEqual(EXPECTED_NODE_MAJOR);
      }
      for (const ins of stage.instructions.filter((x) => x.flags.from !== undefined)) {
        expect(earlier).toContain(ins.flags.from);
      }
    });
  });

  it('puts .npmrc beside package.json and the lockfile before every npm ci', () => {
    const npmCiStages = stages.filter((s) => s.instructions.some(runsNpmCi));
    expect(npmCiStages.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const stage of npmCiStages) {
      const copied = new Set<string>();
      for (const { ins, workdir } of withWorkdir(stages, stage)) {
        if (ins.keyword === 'COPY' && ins.flags.from === undefined) {
          for (const src of copySpec(ins).sources) copied.add(copiedTo(ins, src, workdir));
        }
        if (!runsNpmCi(ins)) continue;
        for (const file of ['.npmrc', 'package.json', 'package-lock.json'].map((f) =>
          posix.join(workdir, f),
        )) {
          if (!copied.has(file)) missing.push(`${stage.name}: ${file}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('ships runtime dependencies only: node_modules comes from an npm ci --omit=dev stage', () => {
    const modules = only(
      runtime.instructions.filter(
        (i) => i.keyword === 'COPY' && copySpec(i).sources.some((s) => s.endsWith('node_modules')),
      ),
      'COPY of node_modules in the runtime stage',
    );
    const from = stages.find((s) => s.name === modules.flags.from);
    expect(from).toBeDefined();
    const installs = from
      ? withWorkdir(stages, from)
          .map((x) => x.ins)
          .filter(runsNpmCi)
      : [];
    expect(installs.length).toBeGreaterThan(0);
    expect(installs.every(omitsDev)).toBe(true);
    // Nothing in the runtime stage installs or builds on top of it.
    expect(
      runtimeSteps.filter(({ ins }) => ins.keyword === 'RUN' && /\bnpm (ci|install|i|run)\b/.test(ins.args)),
    ).toEqual([]);
  });

  it('lays out dist/, config/ and ui/ side by side, as the config loader and the web UI resolve ../../../<dir> from dist/shared/<module>', () => {
    const placed = (name: string): string => {
      const hit = only(
        runtimeSteps.filter(
          ({ ins }) =>
            ins.keyword === 'COPY' && copySpec(ins).sources.some((s) => posix.basename(s) === name),
        ),
        `COPY of ${name}/ in the runtime stage`,
      );
      return posix.resolve(hit.workdir, copySpec(hit.ins).dest);
    };
    const dist = placed('dist');
    const config = placed('config');
    expect(posix.basename(config)).toBe('config');
    expect(posix.resolve(dist, 'shared', 'config', '..', '..', '..', 'config')).toBe(config);
    // src/shared/http/web-ui.ts: defaultWebUiDir()
    expect(posix.resolve(dist, 'shared', 'http', '..', '..', '..', 'ui')).toBe(placed('ui'));
  });

  it('starts dist/main.js with node directly (exec form, so signals reach the app and not a shell or npm)', () => {
    const cmd = only(
      runtimeSteps.filter(({ ins }) => ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT'),
      'CMD or ENTRYPOINT',
    );
    const argv = execForm(cmd.ins.args);
    expect(argv?.[0]).toBe('node');
    const dist = runtimeSteps.find(
      ({ ins }) => ins.keyword === 'COPY' && copySpec(ins).sources.some((s) => posix.basename(s) === 'dist'),
    );
    expect(dist).toBeDefined();
    if (dist && argv) {
      expect(posix.resolve(cmd.workdir, argv[argv.length - 1])).toBe(
        posix.join(posix.resolve(dist.workdir, copySpec(dist.ins).dest), 'main.js'),
      );
    }
  });

  it('runs as a non-root user who owns the data volume named by DATA_DIR', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args.split(':')[0]);
    const user = users[users.length - 1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);

    const dataDir = runtimeEnv.DATA_DIR;
    expect(dataDir).toMatch(/^\//);
    const volumeAt = runtime.instructions.findIndex(
      (i) => i.keyword === 'VOLUME' && (execForm(i.args) ?? i.args.split(/\s+/)).includes(dataDir),
    );
    const chownAt = runtime.instructions.findIndex(
      (i) =>
        i.keyword === 'RUN' &&
        new RegExp(`chown\\s+(-R\\s+)?${user}(:\\S+)?\\s+(\\S+\\s+)*${dataDir}(\\s|$)`).test(i.args),
    );
    expect(volumeAt).toBeGreaterThanOrEqual(0);
    // Changes to a path after it is declared a VOLUME are discarded, so ownership must be set before.
    expect(chownAt).toBeGreaterThanOrEqual(0);
    expect(chownAt).toBeLessThan(volumeAt);
  });

  it('runs in production mode and exposes the port the app listens on', () => {
    expect(runtimeEnv.NODE_ENV).toBe('production');
    const exposed = runtime.instructions
      .filter((i) => i.keyword === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/));
    expect(exposed.map((p) => p.replace(/\/tcp$/, ''))).toContain('3000');
    expect(runtimeEnv.PORT ?? '3000').toBe('3000');
  });

  describe('HEALTHCHECK', () => {
    const check = only(
      runtime.instructions.filter((i) => i.keyword === 'HEALTHCHECK'),
      'HEALTHCHECK',
    );
    const argv = execForm(check.args.replace(/^CMD\s+/, '')) ?? [
      'sh',
      '-c',
      check.args.replace(/^CMD\s+/, ''),
    ];

    it('uses node, which the slim image has (no curl or wget there)', () => {
      expect(check.args).toMatch(/^CMD\s/);
      expect(argv[0]).toBe('node');
      expect(argv.join(' ')).not.toMatch(/\b(curl|wget)\b/);
    });

    it('passes when /health/live answers 2xx on $PORT, fails on 503 or when nothing listens', async () => {
      const ok = await probe(argv, 200);
      expect(ok).toEqual({ code: 0, paths: ['/health/live'] });
      expect((await probe(argv, 503)).code).not.toBe(0);
      expect((await probe(argv, 'down')).code).not.toBe(0);
    });
  });
});

describe('.dockerignore', () => {
  it('lets through every file the Dockerfile copies from the build context, and they exist', () => {
    const sources = stages.flatMap((s) =>
      s.instructions
        .filter((i) => i.keyword === 'COPY' && i.flags.from === undefined)
        .flatMap((i) => copySpec(i).sources),
    );
    expect(sources).toEqual(expect.arrayContaining(['.npmrc', 'package-lock.json', 'src', 'config']));
    for (const src of sources) {
      expect({ src, exists: existsSync(join(ROOT, src)), ignored: isIgnored(dockerignore, src) }).toEqual({
        src,
        exists: true,
        ignored: false,
      });
    }
  });

  it('keeps host builds, local state and secrets out of the build context', () => {
    for (const path of [
      'node_modules/yaml/package.json',
      'dist/main.js',
      'data/pg/PG_VERSION',
      '.env',
      '.env.local',
      '.git/HEAD',
    ]) {
      expect({ path, ignored: isIgnored(dockerignore, path) }).toEqual({ path, ignored: true });
    }
  });
});

describe('docker-compose.yml', () => {
  it('defines api, worker, postgres, redis and ollama', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'ollama', 'postgres', 'redis', 'worker']);
  });

  it('runs the worker from the same image with `npm run start:worker`, a script that runs what the build puts in dist/', () => {
    const worker = services.worker;
    expect(worker.build).toEqual(services.api.build);
    expect(worker.command).toEqual(['npm', 'run', 'start:worker']);
    const script = JSON.parse(read('package.json')).scripts['start:worker'] as string;
    const entry = /^node (dist\/\S+\.js)$/.exec(script)?.[1];
    expect(entry).toBe('dist/worker.js');
    expect(existsSync(join(ROOT, 'src', 'worker.ts'))).toBe(true);
    expect(runtimeSteps.some(({ ins }) => ins.keyword === 'COPY' && copySpec(ins).sources.includes('/app/dist'))).toBe(true);
  });

  it('gives the worker the API environment (jobs leave the API: WORKER_EMBEDDED=false) and the inbox in its data volume', () => {
    const workerEnv = environmentOf(services.worker);
    const { WORKER_EMBEDDED, ...shared } = apiEnv;
    expect(WORKER_EMBEDDED).toBe('false');
    const { INBOX_DIR, WORKER_METRICS_PORT, ...workerShared } = workerEnv;
    expect(workerShared).toEqual(shared);
    // its own scrape port (job outcomes are counted where the jobs run), reachable by other services
    expect((services.worker.expose ?? []).map(String)).toEqual([WORKER_METRICS_PORT]);
    expect(INBOX_DIR.startsWith(`${runtimeEnv.DATA_DIR}/`)).toBe(true);
    const deps = services.worker.depends_on as Record<string, { condition?: string }>;
    expect([deps.postgres?.condition, deps.redis?.condition]).toEqual(['service_healthy', 'service_healthy']);
    expect([...Object.keys(workerEnv)].filter((k) => !documented.has(k) && !PLATFORM_VARS.has(k))).toEqual([]);
  });

  it('builds api from this Dockerfile and publishes host 3000 to the port the app listens on', () => {
    const build = services.api.build;
    const context = typeof build === 'string' ? build : build?.context;
    expect(['.', './']).toContain(context);
    const listensOn = Number(apiEnv.PORT ?? runtimeEnv.PORT ?? 3000);
    expect(portMappings(services.api)).toContainEqual({ published: 3000, target: listensOn });
  });

  it('starts api only once postgres and redis report healthy', () => {
    const deps = services.api.depends_on;
    expect(Array.isArray(deps)).toBe(false);
    const conditions = deps && !Array.isArray(deps) ? deps : {};
    expect(conditions.postgres?.condition).toBe('service_healthy');
    expect(conditions.redis?.condition).toBe('service_healthy');
  });

  it("gives every service a healthcheck that runs a tool present in that service's image", () => {
    const tool = Object.fromEntries(
      Object.entries(services).map(([name, s]) => [name, healthcheckArgv(s.healthcheck)[0]]),
    );
    expect(tool).toEqual({ api: 'node', worker: 'node', postgres: 'pg_isready', redis: 'redis-cli', ollama: 'ollama' });
  });

  it('worker healthcheck passes only when /health/live answers 2xx on $WORKER_METRICS_PORT', async () => {
    const argv = healthcheckArgv(services.worker.healthcheck);
    expect(await probe(argv, 204, 'WORKER_METRICS_PORT')).toEqual({ code: 0, paths: ['/health/live'] });
    expect((await probe(argv, 503, 'WORKER_METRICS_PORT')).code).not.toBe(0);
    expect((await probe(argv, 'down', 'WORKER_METRICS_PORT')).code).not.toBe(0);
  });

  it('api healthcheck passes only when /health/ready answers 2xx on $PORT', async () => {
    const argv = healthcheckArgv(services.api.healthcheck);
    expect(await probe(argv, 204)).toEqual({ code: 0, paths: ['/health/ready'] });
    expect((await probe(argv, 503)).code).not.toBe(0);
    expect((await probe(argv, 'down')).code).not.toBe(0);
  });

  it('runs pgvector on Postgres 17 and points DATABASE_URL at it with its own credentials', () => {
    const pg = services.postgres;
    expect(pg.image).toBe('pgvector/pgvector:pg17');
    const pgEnv = environmentOf(pg);
    const url = new URL(apiEnv.DATABASE_URL);
    expect({
      protocol: url.protocol,
      host: url.hostname,
      port: url.port || '5432',
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      db: url.pathname.slice(1),
    }).toEqual({
      protocol: 'postgres:',
      host: 'postgres',
      port: '5432',
      user: pgEnv.POSTGRES_USER,
      password: pgEnv.POSTGRES_PASSWORD,
      db: pgEnv.POSTGRES_DB,
    });
    expect(healthcheckArgv(pg.healthcheck)).toEqual(expect.arrayContaining(['-U', pgEnv.POSTGRES_USER]));
  });

  it('points REDIS_URL and OLLAMA_BASE_URL at their services on their default ports', () => {
    const redis = new URL(apiEnv.REDIS_URL);
    const ollama = new URL(apiEnv.OLLAMA_BASE_URL);
    expect([redis.protocol, redis.hostname, redis.port || '6379']).toEqual(['redis:', 'redis', '6379']);
    expect([ollama.hostname, ollama.port]).toEqual(['ollama', '11434']);
  });

  it('keeps state in declared named volumes mounted where each image stores it', () => {
    const mounts = Object.fromEntries(
      Object.entries(services).map(([name, s]) => [name, namedVolumes(s).map((v) => v.target)]),
    );
    expect(mounts).toEqual({
      api: [runtimeEnv.DATA_DIR],
      worker: [runtimeEnv.DATA_DIR],
      postgres: ['/var/lib/postgresql/data'],
      redis: ['/data'],
      ollama: ['/root/.ollama'],
    });
    const declared = Object.keys(compose.volumes ?? {});
    for (const s of Object.values(services))
      for (const v of namedVolumes(s)) expect(declared).toContain(v.source);
  });

  it('interpolates only variables that have a default or are documented in .env.example', () => {
    const undocumented = stringsIn(compose)
      .flatMap(interpolations)
      .filter((v) => !(v.operator === ':-' || v.operator === '-') && !documented.has(v.name))
      .map((v) => v.name);
    expect(undocumented).toEqual([]);
  });

  it('defaults each interpolated variable to the value .env.example documents', () => {
    const mismatched = stringsIn(compose)
      .flatMap(interpolations)
      .filter((v) => v.operator === ':-' && (documented.get(v.name) ?? '') !== v.rest)
      .map((v) => ({ name: v.name, compose: v.rest, documented: documented.get(v.name) }));
    expect(mismatched).toEqual([]);
  });

  it('passes api (via compose and the image) only variables acervo documents', () => {
    const passed = [...Object.keys(apiEnv), ...Object.keys(runtimeEnv)];
    expect(passed.filter((k) => !documented.has(k) && !PLATFORM_VARS.has(k))).toEqual([]);
  });

  it('takes secrets from the environment instead of writing them into the file', () => {
    for (const key of ['ADMIN_API_KEY', 'OPENAI_API_KEY']) {
      expect({ key, value: apiEnv[key] }).toEqual({
        key,
        value: expect.stringMatching(new RegExp(`^\\$\\{${key}(:-)?\\}$`)),
      });
    }
  });
});
