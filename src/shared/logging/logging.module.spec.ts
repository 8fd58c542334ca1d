import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../config';
import { pinoHttpOptions, redactUrl, REDACT_PATHS } from './logging.module';

describe('logging', () => {
  it('never writes credentials: headers and apiKey fields are redacted', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, sink);
    log.info({ req: { headers: { authorization: 'Bearer sk-secret', 'x-api-key': 'adm-123' } }, embedder: { apiKey: 'sk-2' } }, 'x');
    const out = lines.join('');
    expect(out).not.toMatch(/sk-secret|adm-123|sk-2/);
    expect(out).toContain('[REDACTED]');
  });

  it('keeps query parameter names but hides secret-looking values', () => {
    expect(redactUrl('/v1/search?api_key=abc&top_k=3')).toBe('/v1/search?api_key=[REDACTED]&top_k=3');
    expect(redactUrl('/v1/documents')).toBe('/v1/documents');
  });

  it('uses JSON in the test profile and the configured level', () => {
    const cfg = loadConfig({ env: { APP_PROFILES: 'test', LOG_LEVEL: 'debug' } });
    const opts = pinoHttpOptions(cfg);
    expect(opts.transport).toBeUndefined();
    expect(opts.level).toBe('debug');
  });
});
