import type { AddressInfo } from 'node:net';
import { expectProblem, startTestApp, TestApp } from './support/app';

/**
 * Writes from browser pages of other origins (auth.mode open, the default): CORS keeps such a page from reading an
 * answer, not from sending a "simple" request. An HTML form on any site could post an upload to an acervo the
 * visitor's browser reaches (localhost, the office network) and it would be stored. Such writes are refused with 403
 * AUTH.ORIGIN_NOT_ALLOWED and change nothing; the service's own pages (Swagger UI), the origins of http.cors.origins
 * and clients that send no Origin (servers, scripts, curl) are unaffected.
 */
const ALLOWED = 'https://intranet.example.com';
const EVIL = 'https://evil.example';

describe('Writes from pages of other origins (auth.mode open)', () => {
  let t: TestApp;
  let own = '';

  beforeAll(async () => {
    t = await startTestApp({ http: { cors: { origins: [ALLOWED] } } });
    // listening on one port, so that the Host of every request (and the service's own origin) is the same
    await t.app.listen(0, '127.0.0.1');
    own = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(() => t?.close());

  const upload = (headers: Record<string, string>, name: string) =>
    t.http.post('/v1/documents').set(headers).attach('files', Buffer.from(`O estacionamento de ${name} abre às 7h.`), { filename: `${name}.txt`, contentType: 'text/plain' });

  const titles = async () => (await t.http.get('/v1/documents').expect(200)).body.items.map((d: { title: string }) => d.title).sort();

  it('refuses a cross-site form upload, a cross-site delete and a text/plain ask, and stores or removes nothing', async () => {
    const id: string = (await upload({}, 'sede').expect(201)).body.documents[0].id;
    const before = await titles();

    const form = expectProblem(await upload({ origin: EVIL }, 'invasor'), 403, 'AUTH.ORIGIN_NOT_ALLOWED');
    expect(form.detail).toMatch(/evil\.example.*POST/);
    expectProblem(await upload({ 'sec-fetch-site': 'cross-site' }, 'invasor-sem-origin'), 403, 'AUTH.ORIGIN_NOT_ALLOWED');
    expectProblem(await t.http.delete(`/v1/documents/${id}`).set({ origin: EVIL }), 403, 'AUTH.ORIGIN_NOT_ALLOWED');
    expectProblem(await t.http.post('/v1/ask').set({ origin: 'null', 'content-type': 'text/plain' }).send('{"question":"x"}'), 403, 'AUTH.ORIGIN_NOT_ALLOWED');

    expect(await titles()).toEqual(before);
    await t.http.get(`/v1/documents/${id}`).expect(200);
  });

  it('lets reads from any page, and writes from its own origin, from http.cors.origins and from clients without an Origin', async () => {
    await t.http.get('/v1/documents').set({ origin: EVIL }).expect(200);
    await upload({ origin: own, 'sec-fetch-site': 'same-origin' }, 'propria').expect(201);
    await upload({ origin: ALLOWED, 'sec-fetch-site': 'cross-site' }, 'intranet').expect(201);
    await upload({ 'sec-fetch-site': 'none' }, 'script').expect(201);
    await t.http.post('/v1/search').set({ origin: own }).send({ query: 'estacionamento', mode: 'text' }).expect(200);
    expect(await titles()).toEqual(['intranet', 'propria', 'script', 'sede']);
  });
});
