import { expectProblem, SERVER_MODE, startTestApp, TestApp } from './support/app';
import { startRedis } from './support/redis';

/**
 * Rate limits (issue 11): two app instances on one Redis share the counts, per caller and per route group;
 * past the limit 429 RATE_LIMIT.EXCEEDED with Retry-After; the probes are never limited.
 */
describe('Rate limits shared by two instances on one Redis', () => {
  const AUTH_FAILURES = 8;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startRedis();
    const config = { rateLimit: { perMinute: 4, perIpPerMinute: 1000, authFailuresPerIpPerMinute: AUTH_FAILURES, groups: { search: 3 }, redisUrl: redis.url } };
    a = await startTestApp(config);
    // The server pass shares one database: the second instance must not empty it under the first.
    b = await startTestApp(config, SERVER_MODE ? { reset: false } : {});
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('counts a caller across both instances, per route group, and answers 429 with Retry-After', async () => {
    const search = (t: TestApp, key: string) => t.http.post('/v1/search').set('x-api-key', key).send({ query: 'férias', mode: 'text' });
    const statuses = [];
    for (const t of [a, b, a]) statuses.push((await search(t, 'caller-one')).status);
    expect(statuses).not.toContain(429);
    const limited = await search(b, 'caller-one');
    expect(expectProblem(limited, 429, 'RATE_LIMIT.EXCEEDED').detail).toMatch(/3 requests a minute/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(JSON.stringify(limited.body)).not.toContain('caller-one');

    // Another credential has its own count; another route group (documents list, perMinute 4) too.
    expect((await search(a, 'caller-two')).status).not.toBe(429);
    expect((await a.http.get('/v1/documents').set('x-api-key', 'caller-one')).status).not.toBe(429);
    // Probes are never limited.
    for (let i = 0; i < 6; i++) await b.http.get('/health/live').expect(200);
  });

  it('does not hang requests when Redis accepts connections but answers nothing (they waited until it came back): the instance counts alone', async () => {
    const PAUSE_MS = 6000;
    const until = Date.now() + PAUSE_MS;
    await redis.pause(PAUSE_MS);
    const t0 = Date.now();
    const first = await a.http.post('/v1/search').set('x-api-key', 'caller-hung').send({ query: 'férias', mode: 'text' });
    expect(first.status).toBe(200);
    // one command times out (REDIS_COMMAND_TIMEOUT_MS); the request's other counts and the next request do not wait
    expect(Date.now() - t0).toBeLessThan(PAUSE_MS - 2000);
    const firstMs = Date.now() - t0;
    const t1 = Date.now();
    await a.http.post('/v1/search').set('x-api-key', 'caller-hung').send({ query: 'férias', mode: 'text' }).expect(200);
    expect(Date.now() - t1).toBeLessThan(firstMs - 500); // no command timeout of its own to wait for
    // meanwhile this instance counts alone: the search group's 3 a minute still holds (a slow Redis lifted every limit)
    expect((await a.http.post('/v1/search').set('x-api-key', 'caller-hung').send({ query: 'férias', mode: 'text' })).status).toBe(200);
    expectProblem(await a.http.post('/v1/search').set('x-api-key', 'caller-hung').send({ query: 'férias', mode: 'text' }), 429, 'RATE_LIMIT.EXCEEDED');
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 5500)); // Redis back, and asked again
  }, 30_000);

  // Last: it leaves 127.0.0.1 refused for the rest of the minute.
  it('counts refused credentials of an address across both instances: past the limit, 429 for its credentialed requests', async () => {
    // auth.mode open: a wrong admin key is what a guesser tries; the credentials above (not keys) were refused too
    const statuses: number[] = [];
    for (let i = 0; i <= AUTH_FAILURES && !statuses.includes(429); i++) {
      statuses.push((await [a, b][i % 2].http.get('/v1/admin/keys').set('x-api-key', `admin-guess-${i}`)).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    for (const t of [a, b]) {
      const refused = await t.http.get('/v1/documents').set('x-api-key', 'caller-three');
      expectProblem(refused, 429, 'RATE_LIMIT.EXCEEDED');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    // without a credential (open mode) nothing changes
    await a.http.get('/v1/documents').expect(200);
  });
});

/** Without Redis the counts are the process's own (MemoryThrottlerStorage): the same limits and answers. */
describe('Rate limits in one process without Redis', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ rateLimit: { perMinute: 4, perIpPerMinute: 1000, groups: { search: 3 }, redisUrl: '' } });
  });
  afterAll(async () => app?.close());

  it('blocks a caller past its group limit with Retry-After, and only that caller', async () => {
    const search = (key: string) => app.http.post('/v1/search').set('x-api-key', key).send({ query: 'férias', mode: 'text' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await search('caller-one')).status);
    expect(statuses).not.toContain(429);
    const limited = await search('caller-one');
    expect(expectProblem(limited, 429, 'RATE_LIMIT.EXCEEDED').detail).toMatch(/3 requests a minute/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect((await search('caller-two')).status).not.toBe(429);
  });
});

/** http.trustProxy: whose X-Forwarded-For names the client, so whose count a request goes to. */
describe('The client address behind proxies (http.trustProxy)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => Promise.all(apps.map((a) => a.close())));
  const start = async (trustProxy: string) => {
    const app = await startTestApp({ http: { trustProxy } as never, rateLimit: { perMinute: 1000, perIpPerMinute: 2, redisUrl: '' } });
    apps.push(app);
    return app;
  };
  const statuses = async (app: TestApp, forwardedFor: string[]) => {
    const out: number[] = [];
    for (const ip of forwardedFor) out.push((await app.http.get('/v1/documents').set('x-forwarded-for', ip)).status);
    return out;
  };

  it('believes a loopback proxy by default: two clients behind it have a count each', async () => {
    const app = await start('loopback');
    expect(await statuses(app, ['203.0.113.1', '203.0.113.2', '203.0.113.1', '203.0.113.2'])).toEqual([200, 200, 200, 200]);
    expect(await statuses(app, ['203.0.113.1'])).toEqual([429]);
  });

  it('with none, the peer is the client whatever X-Forwarded-For says: one count for all', async () => {
    const app = await start('none');
    expect(await statuses(app, ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([200, 200, 429]);
  });

  it('a list that does not name the peer (an ingress subnet elsewhere) is not believed', async () => {
    expect(await statuses(await start('10.0.0.0/8'), ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([200, 200, 429]);
  });

  it('a list that names the peer is', async () => {
    expect(await statuses(await start('10.0.0.0/8, 127.0.0.1, ::1'), ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([200, 200, 200]);
  });
});
