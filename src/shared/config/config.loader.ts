import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppConfig, appConfigSchema } from './config.schema';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Folder holding default.yaml and the profile files. */
  configDir?: string;
  /** Environment to interpolate from; defaults to process.env merged over .env. */
  env?: Record<string, string | undefined>;
  /** Deep overrides applied last (tests). */
  overrides?: DeepPartial<AppConfig>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

const PLACEHOLDER = /\$\{([A-Z0-9_]+)(?::([^}]*))?\}/g;

/** Replaces ${VAR:default} in every string leaf. A value that is only a placeholder keeps the raw string. */
export function interpolate(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      return v !== undefined && v !== '' ? v : (fallback ?? '');
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  }
  return value;
}

export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
    return out;
  }
  return over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8')) ?? {};
  } catch (e) {
    throw new ConfigError(`Config file ${file} is not valid YAML: ${(e as Error).message}`);
  }
}

/** process.env wins over .env (12-factor); .env is read from the working directory if present. */
export function environment(): Record<string, string | undefined> {
  const dotenvFile = resolve(process.cwd(), '.env');
  const fromFile = existsSync(dotenvFile) ? parseDotenv(readFileSync(dotenvFile)) : {};
  return { ...fromFile, ...process.env };
}

export function defaultConfigDir(): string {
  // dist/shared/config -> project root; src/shared/config (ts-jest) -> project root.
  return resolve(__dirname, '..', '..', '..', 'config');
}

/**
 * Loads config/default.yaml, then each profile in APP_PROFILES (comma-separated), interpolates
 * ${VAR:default}, applies overrides and validates once. Any problem throws a ConfigError naming the key.
 */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? environment();
  const { dir, profiles } = configSources({ configDir: options.configDir, env });
  const defaultFile = join(dir, 'default.yaml');
  if (!existsSync(defaultFile)) throw new ConfigError(`Config file not found: ${defaultFile}`);
  let raw = readYaml(defaultFile);
  // Model prices live in their own file (config/pricing.yaml), validated with the rest as metrics.pricing.
  const pricingFile = join(dir, 'pricing.yaml');
  if (existsSync(pricingFile)) raw = deepMerge(raw, { metrics: { pricing: readYaml(pricingFile) } });
  for (const profile of profiles) {
    const file = join(dir, `${profile}.yaml`);
    if (!existsSync(file)) {
      throw new ConfigError(`APP_PROFILES names profile "${profile}" but ${file} does not exist`);
    }
    raw = deepMerge(raw, readYaml(file));
  }
  raw = deepMerge(interpolate(raw, env), options.overrides);
  const parsed = appConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error));
  return parsed.data;
}

/** The folder and files loadConfig reads with this environment (config.watch follows them). */
export function configSources(options: Pick<LoadConfigOptions, 'configDir' | 'env'> = {}): { dir: string; profiles: string[]; files: string[] } {
  const env = options.env ?? environment();
  const dir = options.configDir ?? env.CONFIG_DIR ?? defaultConfigDir();
  const profiles = (env.APP_PROFILES ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  return { dir, profiles, files: ['default.yaml', 'pricing.yaml', ...profiles.map((p) => `${p}.yaml`)].map((f) => join(dir, f)) };
}

/**
 * A ConfigError's message fit for a log line: its first line and the `key: problem` lines, never the quoted source
 * (a YAML syntax error quotes the offending line, which may hold a key).
 */
export function configProblemSummary(message: string): string {
  const [first, ...rest] = message.split('\n');
  const issues = rest.filter((l) => /^ {2}- [\w.[\]()]+: /.test(l)).map((l) => l.replace(/, received .*$/, ''));
  return [issues.length ? first : first.replace(/:$/, ''), ...issues].join('\n');
}

function formatIssues(error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const key = issue.path.join('.');
    const allowed = 'values' in issue && Array.isArray(issue.values) ? ` (allowed: ${issue.values.join(', ')})` : '';
    return `  - ${key || '(root)'}: ${issue.message}${allowed}`;
  });
  return `Invalid configuration:\n${lines.join('\n')}`;
}

/** Resolves a path from config: absolute stays, relative goes under app.dataDir. */
export function resolveDataPath(config: AppConfig, p: string): string {
  return isAbsolute(p) ? p : resolve(config.app.dataDir, p);
}
