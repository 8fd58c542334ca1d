import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ArgumentsHost } from '@nestjs/common';
import { databaseProblem, ProblemDetailsFilter } from '../src/shared/errors';
import { expectProblem, startTestApp, TestApp } from './support/app';

/** A POST /v1/search whose JSON body is half sent: in flight until `finish()` sends the rest (or `abort()`). */
function heldSearch(port: number) {
  const body = JSON.stringify({ query: 'política de férias' });
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/search', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  req.flushHeaders();
  return {
    finish: () => (req.end(body.slice(10)), response),
    abort: () => (response.catch(() => undefined), req.destroy()),
  };
}

describe('backpressure: bounded requests in flight (issue 12)', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ http: { backpressure: { maxInFlight: 2, retryAfterSeconds: 3 } } });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => t.close());

  const httpDetail = async () => (await t.http.get('/health/ready')).body.details.http as { in_flight: number; max_in_flight: number; status: string };
  async function until(pred: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await pred())) {
      if (Date.now() > deadline) throw new Error('condition not met in 5 s');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('past maxInFlight answers 503 REQUEST.OVERLOADED with Retry-After at once, readiness reports saturation, and recovers', async () => {
    const idle = await t.http.get('/health/ready');
    expect(idle.status).toBe(200);
    expect(idle.body.details.http).toEqual({ status: 'up', in_flight: 0, max_in_flight: 2 });

    const held = [heldSearch(port), heldSearch(port)];
    await until(async () => (await httpDetail()).in_flight === 2);

    const shed = await t.http.post('/v1/search').send({ query: 'férias' });
    const problem = expectProblem(shed, 503, 'REQUEST.OVERLOADED');
    expect(shed.headers['retry-after']).toBe('3');
    expect(problem.detail).toMatch(/maxInFlight/);
    expect((await t.http.get('/v1/documents')).status).toBe(503);

    const saturated = await t.http.get('/health/ready');
    expect(saturated.status).toBe(503);
    expect(saturated.body.error.http).toEqual({ status: 'down', in_flight: 2, max_in_flight: 2 });
    expect((await t.http.get('/health/live')).status).toBe(200);
    expect((await t.http.get('/docs-json')).status).toBe(200);

    const answers = await Promise.all(held.map((h) => h.finish()));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(JSON.parse(answers[0].body)).toMatchObject({ hits: [] });
    await until(async () => (await httpDetail()).in_flight === 0);

    expect((await t.http.post('/v1/search').send({ query: 'férias' })).status).toBe(200);
    expect((await t.http.get('/health/ready')).status).toBe(200);
    expect((await httpDetail()).in_flight).toBe(0);
  });

  it('a client that hangs up releases its slot exactly once', async () => {
    const held = [heldSearch(port), heldSearch(port)];
    await until(async () => (await httpDetail()).in_flight === 2);
    held[0].abort();
    await until(async () => (await httpDetail()).in_flight === 1);
    expect((await t.http.post('/v1/search').send({ query: 'férias' })).status).toBe(200);
    held[1].abort();
    await until(async () => (await httpDetail()).in_flight === 0);
    // never below zero: finish and close both fired for the answered requests
    await new Promise((r) => setTimeout(r, 100));
    expect((await httpDetail()).in_flight).toBe(0);
  });

  it('a database connection wait that timed out is 503 DATABASE.UNAVAILABLE with Retry-After, not a 500', () => {
    for (const message of ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout']) {
      expect(databaseProblem(new Error(message))).toMatchObject({ status: 503, code: 'DATABASE.UNAVAILABLE' });
      const headers: Record<string, string> = {};
      let sent: { status?: number; body?: string } = {};
      const res = {
        headersSent: false,
        setHeader: (k: string, v: string) => (headers[k.toLowerCase()] = v),
        status: (s: number) => ((sent.status = s), res),
        type: () => res,
        send: (b: string) => (sent.body = b),
      };
      const host = { switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ originalUrl: '/v1/search', id: 'r1' }) }) } as unknown as ArgumentsHost;
      new ProblemDetailsFilter({ retryAfterSeconds: 2 }).catch(new Error(message), host);
      expect(sent.status).toBe(503);
      expect(JSON.parse(sent.body ?? '{}')).toMatchObject({ code: 'DATABASE.UNAVAILABLE', requestId: 'r1' });
      expect(headers['retry-after']).toBe('2');
      sent = {};
    }
  });
});
