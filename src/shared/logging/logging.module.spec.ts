import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import pino from 'pino';
import pinoHttp from 'pino-http';
import { loadConfig } from '../config';
import { LoggingModule, piiMaskingHooks, pinoHttpOptions, redactUrl, REDACT_PATHS } from './logging.module';

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

  it('never writes the bound values or detail of a failed SQL statement', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, serializers: { err: pino.stdSerializers.err } }, sink);
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505', detail: 'Key (source_id)=(contrato-sigiloso) already exists.' });
    const err = Object.assign(new Error(driverError.message), {
      name: 'QueryFailedError',
      query: 'INSERT INTO documents (title) VALUES ($1)',
      parameters: ['Contrato sigiloso da ACME'],
      driverError,
      code: '23505',
      detail: driverError.detail,
    });
    log.error({ err }, 'request failed');
    const line = JSON.parse(lines[0]);
    expect(lines[0]).not.toMatch(/sigiloso|ACME/);
    expect(line.err).toMatchObject({ query: 'INSERT INTO documents (title) VALUES ($1)', code: '23505' });
  });

  it('masks personal data in messages, interpolated values, fields and errors (privacy.maskLogs)', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const config = loadConfig({ env: { APP_PROFILES: 'test' } });
    const log = pino({ hooks: piiMaskingHooks(config), serializers: { err: pino.stdSerializers.err } }, sink);
    log.info({ prompt: 'meu CPF é 529.982.247-25' }, 'pergunta de %s', 'ana@empresa.com.br');
    log.error({ err: new Error('cliente (11) 98765-4321 não encontrado') }, 'falhou');
    const out = lines.join('');
    expect(out).not.toMatch(/529\.982|ana@empresa|98765-4321/);
    expect(JSON.parse(lines[0])).toMatchObject({ prompt: 'meu CPF é [CPF]', msg: 'pergunta de [EMAIL]' });
    expect(JSON.parse(lines[1]).err).toMatchObject({ type: 'Error', message: 'cliente [PHONE] não encontrado' });
    const off = loadConfig({ env: { APP_PROFILES: 'test', PRIVACY_MASK_LOGS: 'false' } });
    expect(piiMaskingHooks(off)).toBeUndefined();
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

  it('writes to the destination it is given instead of stdout, even when the format is pretty', async () => {
    const lines: string[] = [];
    const config = loadConfig({ env: { APP_PROFILES: 'test', LOG_LEVEL: 'warn' }, overrides: { logging: { format: 'pretty' } } });
    const moduleRef = await Test.createTestingModule({ imports: [LoggingModule.forRoot(config, { write: (line: string) => lines.push(line) })] }).compile();
    const log = moduleRef.get(Logger);
    log.warn('captured', 'Spec');
    log.log('below the level', 'Spec');
    await moduleRef.close();
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 40, msg: 'captured', context: 'Spec' })]);
  });

  describe('access lines', () => {
    let server: Server;
    let lines: Array<Record<string, unknown>>;

    beforeAll(async () => {
      lines = [];
      const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
      const opts = pinoHttpOptions(loadConfig({ env: { APP_PROFILES: 'test', LOG_LEVEL: 'info' } }));
      const log = pinoHttp({ ...opts, transport: undefined }, sink);
      server = createServer((req, res) => {
        log(req, res);
        res.statusCode = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
        res.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const hit = (path: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const before = lines.length;
        const { port } = server.address() as AddressInfo;
        request({ host: '127.0.0.1', port, path }, (res) => {
          res.resume();
          res.on('end', () => setImmediate(() => resolve(lines[before])));
        })
          .on('error', reject)
          .end();
      });

    it('logs a 5xx as an error with its status but without an invented stack', async () => {
      const line = await hit('/v1/ask?status=502');
      expect(line.level).toBe(50);
      expect(line.msg).toBe('request failed with status 502');
      expect(line.err).toBeUndefined();
      expect((line.res as { statusCode: number }).statusCode).toBe(502);
      expect((line.req as { id: string }).id).toEqual(expect.any(String));
    });

    it('logs a not-ready probe (503) as a warning and a 4xx as a warning', async () => {
      expect((await hit('/health/ready?status=503')).level).toBe(40);
      expect((await hit('/v1/documents?status=404')).level).toBe(40);
      expect((await hit('/v1/documents?status=200')).level).toBe(30);
    });
  });
});
