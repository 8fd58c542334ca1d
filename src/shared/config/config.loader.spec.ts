import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configProblemSummary, configSources, defaultConfigDir, interpolate, loadConfig } from './config.loader';

describe('loadConfig', () => {
  it('loads the shipped defaults with no environment at all', () => {
    const cfg = loadConfig({ env: {} });
    expect(cfg.app.port).toBe(3000);
    expect(cfg.app.dataDir).toBe('./data');
    expect(cfg.database.url).toBeUndefined();
    expect(cfg.retrieval.embedder.provider).toBe('hashing');
    expect(cfg.retrieval.textSearchConfig).toBe('portuguese_unaccent');
  });

  it('interpolates ${VAR:default} from the environment', () => {
    const cfg = loadConfig({ env: { PORT: '8081', DATABASE_URL: 'postgres://u:p@db:5432/acervo' } });
    expect(cfg.app.port).toBe(8081);
    expect(cfg.database.url).toBe('postgres://u:p@db:5432/acervo');
    expect(interpolate({ a: ['${X:1}', 'k=${Y:}'] }, { X: 'two' })).toEqual({ a: ['two', 'k='] });
  });

  it('merges profiles in order', () => {
    const cfg = loadConfig({ env: { APP_PROFILES: 'test' } });
    expect(cfg.ingestion.url.allowPrivateNetworks).toBe(true);
    expect(cfg.logging.format).toBe('json');
    expect(cfg.ingestion.chunking.unit).toBe('tokens'); // untouched default survives
  });

  it('stops on a bad value, naming the key and the allowed values', () => {
    expect(() => loadConfig({ env: { EMBEDDER_PROVIDER: 'word2vec' } })).toThrow(
      /retrieval\.embedder\.provider.*allowed: hashing, transformers, openai, ollama/s,
    );
    expect(() => loadConfig({ env: { PORT: 'eighty' } })).toThrow(/app\.port/);
    expect(() => loadConfig({ env: { DATABASE_URL: 'mysql://x' } })).toThrow(/database\.url: must be a postgres/);
    expect(() => loadConfig({ env: { EMBEDDED_PG_SHARED_BUFFERS: 'lots' } })).toThrow(/database\.embedded\.sharedBuffers: must be auto or a size like 128MB/);
    expect(() => loadConfig({ env: { EMBEDDED_PG_SHARED_BUFFERS: '2GB' } })).toThrow(/sharedBuffers: must be between 16MB and 1GB/);
    expect(loadConfig({ env: { EMBEDDED_PG_SHARED_BUFFERS: '512MB' } }).database.embedded.sharedBuffers).toBe('512MB');
  });

  it('refuses an unknown profile and invalid YAML with the file named', () => {
    expect(() => loadConfig({ env: { APP_PROFILES: 'nope' } })).toThrow(ConfigError);
    const dir = mkdtempSync(join(tmpdir(), 'acervo-cfg-'));
    copyFileSync(join(defaultConfigDir(), 'default.yaml'), join(dir, 'default.yaml'));
    writeFileSync(join(dir, 'broken.yaml'), 'app: [unclosed');
    expect(() => loadConfig({ configDir: dir, env: { APP_PROFILES: 'broken' } })).toThrow(/broken\.yaml is not valid YAML/);
  });

  it('reads http.trustProxy as Express takes it, and refuses what is not an address, a subnet or a known name', () => {
    const trust = (v: string) => loadConfig({ env: { HTTP_TRUST_PROXY: v } }).http.trustProxy;
    expect(trust('loopback')).toEqual(['loopback']);
    expect(trust('none')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, fd00::/8 ,uniquelocal, 192.168.1.7')).toEqual(['10.0.0.0/8', 'fd00::/8', 'uniquelocal', '192.168.1.7']);
    for (const bad of ['true', 'ingress.local', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', ' , ']) expect(() => trust(bad)).toThrow(/http\.trustProxy/);
  });

  it('rejects chunk overlap not smaller than size', () => {
    expect(() =>
      loadConfig({ env: {}, overrides: { ingestion: { chunking: { unit: 'tokens', size: 100, overlap: 100 } } } }),
    ).toThrow(/ingestion\.chunking\.overlap/);
  });
});

describe('config.watch helpers', () => {
  it('configSources lists the files loadConfig reads: default, pricing and each APP_PROFILES file', () => {
    const { files } = configSources({ env: { CONFIG_DIR: '/etc/acervo', APP_PROFILES: 'production, eu' } });
    expect(files).toEqual(['/etc/acervo/default.yaml', '/etc/acervo/pricing.yaml', '/etc/acervo/production.yaml', '/etc/acervo/eu.yaml']);
  });

  it('configProblemSummary keeps the file, line and keys of a problem, never the quoted source', () => {
    const dir = mkdtempSync(join(tmpdir(), 'acervo-cfg-'));
    copyFileSync(join(defaultConfigDir(), 'default.yaml'), join(dir, 'default.yaml'));
    writeFileSync(join(dir, 'default.yaml'), 'app:\n  port: 3000\nbroken:\n  apiKey: sk-secret-1\n   bad: [x\n');
    let message = '';
    try {
      loadConfig({ configDir: dir, env: {} });
    } catch (e) {
      message = (e as ConfigError).message;
    }
    expect(message).toContain('sk-secret-1'); // the raw error quotes the line
    const summary = configProblemSummary(message);
    expect(summary).toMatch(/not valid YAML.*at line 4, column 11$/);
    expect(summary).not.toContain('sk-secret-1');
    const invalid = configProblemSummary("Invalid configuration:\n  - generation.llm.provider: Invalid enum value. Expected 'extractive', received 'sk-oops'");
    expect(invalid).toBe('Invalid configuration:\n  - generation.llm.provider: Invalid enum value. Expected \'extractive\'');
  });
});
