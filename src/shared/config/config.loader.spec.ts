import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defaultConfigDir, interpolate, loadConfig } from './config.loader';

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

  it('rejects chunk overlap not smaller than size', () => {
    expect(() =>
      loadConfig({ env: {}, overrides: { ingestion: { chunking: { unit: 'tokens', size: 100, overlap: 100 } } } }),
    ).toThrow(/ingestion\.chunking\.overlap/);
  });
});
