import { runKeysCommand } from '../src/cli/keys.command';
import { AppConfig } from '../src/shared/config';
import { JoseTokenVerifier } from '../src/modules/access/infrastructure/jose-token.verifier';
import { expectProblem, startTestApp, TestApp } from './support/app';
import * as joseLib from 'jose';
import { FakeJwksServer } from './support/fake-jwks.server';

const ADMIN = 'bootstrap-admin-key-for-tests';
const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'acervo';

describe('Authentication: API keys and JWTs (auth.mode required)', () => {
  let t: TestApp;
  let idp: FakeJwksServer;

  beforeAll(async () => {
    idp = new FakeJwksServer();
    await idp.start();
    t = await startTestApp({
      admin: { apiKey: ADMIN },
      auth: { mode: 'required', jwt: { jwksUrl: idp.jwksUrl, issuer: ISSUER, audience: AUDIENCE, jwksCooldownSeconds: 0, clockToleranceSeconds: 5 } },
    });
    await t.http.post('/v1/documents').set('x-api-key', ADMIN).send({ title: 'Férias', text: 'Pedidos de férias vão ao RH com 30 dias de antecedência.' }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  const search = (headers: Record<string, string>) => t.http.post('/v1/search').set(headers).send({ query: 'férias', mode: 'text' });

  it('asks for a credential on every /v1 route, not on the probes nor on the Prometheus scrape', async () => {
    expectProblem(await search({}), 401, 'AUTH.REQUIRED');
    expectProblem(await t.http.get('/v1/documents'), 401, 'AUTH.REQUIRED');
    await t.http.get('/health/live').expect(200);
    expect((await t.http.get('/metrics').expect(200)).text).toContain('acervo_http_requests_total');
    await t.http.get('/metrics/').expect(200);
    expectProblem(await search({ 'x-api-key': 'acv_not-a-key' }), 401, 'AUTH.INVALID_CREDENTIALS');
    expectProblem(await search({ authorization: 'Bearer nonsense' }), 401, 'AUTH.INVALID_CREDENTIALS');
  });

  it('creates a key shown once, lists it by prefix, accepts it in x-api-key and as a bearer, refuses it once revoked', async () => {
    const created = await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'ana' }).expect(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^acv_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ role: 'user', user_id: 'ana', prefix: key.slice(0, 12), revoked_at: null });

    const list = await t.http.get('/v1/admin/keys').set('authorization', `Bearer ${ADMIN}`).expect(200);
    expect(list.body.data).toEqual([expect.objectContaining({ id: created.body.id, prefix: key.slice(0, 12) })]);
    expect(JSON.stringify(list.body)).not.toContain(key);
    const [{ key_hash: stored }] = await t.dataSource.query('SELECT key_hash FROM api_keys WHERE id = $1', [created.body.id]);
    expect(stored).not.toContain(key.slice(4));

    // The default collection holds the admin's document and has no access list: a user reads nothing there.
    expectProblem(await search({ 'x-api-key': key }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    await t.http.put('/v1/collections/default').set('x-api-key', ADMIN).send({ visibility: 'public' }).expect(200);
    expect((await search({ 'x-api-key': key }).expect(200)).body.hits.length).toBeGreaterThan(0);
    await search({ authorization: `Bearer ${key}` }).expect(200);

    expectProblem(await t.http.get('/v1/admin/keys').set('x-api-key', key), 403, 'AUTH.FORBIDDEN');
    expectProblem(await t.http.post('/v1/admin/keys').set('x-api-key', key).send({ role: 'admin' }), 403, 'AUTH.FORBIDDEN');

    await t.http.delete(`/v1/admin/keys/${created.body.id}`).set('x-api-key', ADMIN).expect(204);
    expectProblem(await search({ 'x-api-key': key }), 401, 'AUTH.INVALID_CREDENTIALS');
    expectProblem(await t.http.delete(`/v1/admin/keys/${created.body.id}`).set('x-api-key', ADMIN), 404, 'AUTH.KEY_NOT_FOUND');
  });

  it('writes an audit row for every key created or revoked, over HTTP and by npm run keys (actor cli), never the key', async () => {
    const created = await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'caio', collections: ['rh'] }).expect(201);
    await t.http.delete(`/v1/admin/keys/${created.body.id}`).set('x-api-key', ADMIN).expect(204);
    await t.http.delete(`/v1/admin/keys/${created.body.id}`).set('x-api-key', ADMIN).expect(404);
    const [cli] = await runKeysCommand(t.app, { command: 'create', role: 'admin' });
    await runKeysCommand(t.app, { command: 'revoke', id: cli.id });
    await expect(runKeysCommand(t.app, { command: 'revoke', id: cli.id })).rejects.toMatchObject({ code: 'AUTH.KEY_NOT_FOUND' });

    const audit = async (action: string) => (await t.http.get('/v1/admin/audit').query({ action, limit: 100 }).set('x-api-key', ADMIN).expect(200)).body.items;
    const rows = [...(await audit('key.create')), ...(await audit('key.revoke'))].filter((r) => r.target === created.body.id || r.target === cli.id);
    const actor = expect.stringMatching(/^key:[0-9a-f]{12}$/);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'key.create', actor, target: created.body.id, outcome: 'ok', details: { role: 'user', user_id: 'caio', collections: ['rh'] } }),
        expect.objectContaining({ action: 'key.revoke', actor, target: created.body.id, outcome: 'ok' }),
        expect.objectContaining({ action: 'key.revoke', actor, target: created.body.id, outcome: 'failed', error_code: 'AUTH.KEY_NOT_FOUND' }),
        expect.objectContaining({ action: 'key.create', actor: 'cli', target: cli.id, outcome: 'ok', details: expect.objectContaining({ role: 'admin', prefix: cli.prefix }) }),
        expect.objectContaining({ action: 'key.revoke', actor: 'cli', target: cli.id, outcome: 'ok' }),
        expect.objectContaining({ action: 'key.revoke', actor: 'cli', target: cli.id, outcome: 'failed', error_code: 'AUTH.KEY_NOT_FOUND' }),
      ]),
    );
    expect(rows).toHaveLength(6);
    expect(JSON.stringify(rows)).not.toContain(created.body.key);
    expect(JSON.stringify(rows)).not.toContain(cli.key);
  });

  it('writes the audit row of a request whose words hold NUL (jsonb refused it: the row was lost)', async () => {
    const res = await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'nul\u0000one', collections: ['rh'] });
    const rows = (await t.http.get('/v1/admin/audit').query({ action: 'key.create', limit: 100 }).set('x-api-key', ADMIN).expect(200)).body.items;
    const mine = rows.filter((r: { details: { user_id?: string } }) => r.details.user_id === 'nulone');
    expect(mine).toEqual([expect.objectContaining({ action: 'key.create', outcome: res.status < 300 ? 'ok' : 'failed' })]);
    if (res.status === 201) await t.http.delete(`/v1/admin/keys/${res.body.id}`).set('x-api-key', ADMIN).expect(204);
  });

  it('writes an audit row when a collection\'s access list changes (who, which collection, what)', async () => {
    await t.http.put('/v1/collections/auditada').set('x-api-key', ADMIN).send({ visibility: 'private', users: ['bia'] }).expect(200);
    const rows = (await t.http.get('/v1/admin/audit').query({ action: 'collection.access' }).set('x-api-key', ADMIN).expect(200)).body.items;
    expect(rows.filter((r: { target: string }) => r.target === 'auditada')).toEqual([
      expect.objectContaining({ action: 'collection.access', actor: expect.stringMatching(/^key:[0-9a-f]{12}$/), target: 'auditada', outcome: 'ok', details: { visibility: 'private', users: ['bia'] } }),
    ]);
  });

  it('makes admin keys that work on admin routes, and refuses a user key without user_id', async () => {
    const admin = await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'admin' }).expect(201);
    await t.http.get('/v1/admin/keys').set('x-api-key', admin.body.key).expect(200);
    expectProblem(await t.http.post('/v1/admin/keys').set('x-api-key', admin.body.key).send({ role: 'user' }), 400, 'AUTH.INVALID_KEY_REQUEST');
    expectProblem(await t.http.post('/v1/admin/keys').set('x-api-key', admin.body.key).send({ role: 'root' }), 400, 'REQUEST.VALIDATION');
  });

  it('never binds an admin to collections: such a key is a 400; one bound before that rule, and an admin token with a collections claim, are refused', async () => {
    // The bound did not hold on admin routes: such a key made a collection public and minted an unbound admin key (probe, session 15).
    for (const collections of [['a'], []]) {
      const r = expectProblem(await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'admin', user_id: 'x', collections }), 400, 'AUTH.INVALID_KEY_REQUEST');
      expect(r.errors).toEqual([{ field: 'collections', message: 'not accepted when role is admin' }]);
    }
    await expect(runKeysCommand(t.app, { command: 'create', role: 'admin', collections: ['a'] })).rejects.toMatchObject({ code: 'AUTH.INVALID_KEY_REQUEST' });
    await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'x', collections: ['a'] }).expect(201);
    // a bound admin key stored by an earlier version: refused on every route, the admin ones included
    const legacy = await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'admin', user_id: 'x' }).expect(201);
    await t.http.get('/v1/admin/keys').set('x-api-key', legacy.body.key).expect(200);
    await t.dataSource.query(`UPDATE api_keys SET collections = '{a}' WHERE id = $1`, [legacy.body.id]);
    for (const r of [
      await t.http.post('/v1/admin/keys').set('x-api-key', legacy.body.key).send({ role: 'admin', user_id: 'x2' }),
      await t.http.put('/v1/collections/a').set('x-api-key', legacy.body.key).send({ visibility: 'public' }),
      await t.http.post('/v1/search').set('x-api-key', legacy.body.key).send({ query: 'férias', collection: 'a', mode: 'text' }),
    ]) {
      expect(expectProblem(r, 401, 'AUTH.INVALID_CREDENTIALS').detail).toMatch(/admin key cannot be bound to collections \(revoke it\)/);
    }
    const boundToken = await idp.sign({ sub: 'chefe', roles: ['admin'], collections: ['a'] }, { issuer: ISSUER, audience: AUDIENCE });
    const refused = await t.http.get('/v1/admin/keys').set('authorization', `Bearer ${boundToken}`);
    expect(expectProblem(refused, 401, 'AUTH.INVALID_CREDENTIALS').detail).toMatch(/admin token cannot carry a collections claim/);
    const adminToken = await idp.sign({ sub: 'chefe', roles: ['admin'] }, { issuer: ISSUER, audience: AUDIENCE });
    await t.http.get('/v1/admin/keys').set('authorization', `Bearer ${adminToken}`).expect(200);
  });

  it("takes the user from a JWT's sub: the identity replaces user_id, another user's id is refused", async () => {
    const token = await idp.sign({ sub: 'bia' }, { issuer: ISSUER, audience: AUDIENCE });
    const bearer = { authorization: `Bearer ${token}` };
    await search(bearer).expect(200);
    const list = await t.http.get('/v1/conversations').set(bearer).expect(200);
    expect(list.body.items).toEqual([]);
    expectProblem(await t.http.get('/v1/conversations?user_id=ana').set(bearer), 403, 'AUTH.USER_MISMATCH');
    expectProblem(await t.http.delete('/v1/users/ana/memory').set(bearer), 403, 'AUTH.USER_MISMATCH');
    await t.http.get('/v1/conversations?user_id=bia').set(bearer).expect(200);
  });

  it("chats as an identity provider's subject with | (auth0|…) or accents; a user id conversations cannot take may still search", async () => {
    const sub = 'auth0|5f7c8ec7c33c6c004bbafe82';
    const bearer = { authorization: `Bearer ${await idp.sign({ sub }, { issuer: ISSUER, audience: AUDIENCE })}` };
    await t.http.post('/v1/chat').set(bearer).send({ message: 'Quantos dias de antecedência para pedir férias?' }).expect(200);
    const list = await t.http.get('/v1/conversations').set(bearer).expect(200);
    expect(list.body.items).toHaveLength(1);
    await t.http.post('/v1/chat/completions').set(bearer).send({ model: 'acervo', messages: [{ role: 'user', content: 'E para folga?' }] }).expect(200);
    expect((await t.http.delete(`/v1/users/${encodeURIComponent(sub)}/memory`).set(bearer).expect(200)).body).toMatchObject({ user_id: sub });
    const accented = { authorization: `Bearer ${await idp.sign({ sub: 'joão.silva@empresa.com.br' }, { issuer: ISSUER, audience: AUDIENCE })}` };
    await t.http.post('/v1/chat').set(accented).send({ message: 'Quantos dias de antecedência para pedir férias?' }).expect(200);
    // a valid token whose user has a space: it searches (no refused credential counted), it cannot chat, and says why
    const spaced = { authorization: `Bearer ${await idp.sign({ sub: 'ana maria' }, { issuer: ISSUER, audience: AUDIENCE })}` };
    await search(spaced).expect(200);
    expect(expectProblem(await t.http.post('/v1/chat').set(spaced).send({ message: 'Oi?' }), 403, 'AUTH.USER_ID_UNUSABLE').detail).toMatch(/auth\.jwt\.userClaim/);
    expectProblem(await t.http.get('/v1/conversations').set(spaced), 403, 'AUTH.USER_ID_UNUSABLE');
  });

  it("a path in other letter case reaches no route: it cannot pass the checks that read the path (another user's data, quota)", async () => {
    await t.http.put('/v1/collections/rh-secreto').set('x-api-key', ADMIN).send({ visibility: 'private', users: ['ana'] }).expect(200);
    const doc = await t.http.post('/v1/documents').set('x-api-key', ADMIN).send({ collection: 'rh-secreto', title: 'Salários', text: 'O salário do diretor financeiro é R$ 85.000.' }).expect(201);
    const ana = { 'x-api-key': (await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'ana' }).expect(201)).body.key };
    const bia = { 'x-api-key': (await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'bia' }).expect(201)).body.key };
    await t.http.post('/v1/chat').set(ana).send({ user_id: 'ana', message: 'Qual o salário do diretor financeiro?', collection: 'rh-secreto' }).expect(200);
    const id = doc.body.id as string;
    // bia, as written: refused
    expectProblem(await t.http.post('/v1/search').set(bia).send({ query: 'salário', collection: 'rh-secreto' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    expectProblem(await t.http.get('/v1/conversations?user_id=ana').set(bia), 403, 'AUTH.USER_MISMATCH');
    // bia, in other cases: no route at all (it was 200 with ana's data, or 204 deleting it)
    const others = [
      t.http.post('/v1/SEARCH').set(bia).send({ query: 'salário', collection: 'rh-secreto' }),
      t.http.post('/V1/Ask').set(bia).send({ question: 'Qual o salário do diretor financeiro?', collection: 'rh-secreto' }),
      t.http.get(`/v1/Documents/${id}`).set(bia),
      t.http.delete(`/v1/Documents/${id}`).set(bia),
      t.http.post('/v1/Documents').set(bia).send({ collection: 'rh-secreto', title: 'plantado', text: 'texto plantado' }),
      t.http.get('/v1/Conversations?user_id=ana').set(bia),
      t.http.post('/v1/Chat').set(bia).send({ user_id: 'ana', message: 'E o bônus?', collection: 'rh-secreto' }),
      t.http.delete('/v1/Users/ana/memory').set(bia),
      t.http.get('/v1/Jobs').set(bia),
      t.http.get('/v1/Models').set(bia),
    ];
    for (const res of await Promise.all(others)) expectProblem(res, 404, 'REQUEST.NOT_FOUND');
    // an id percent-encoded, or HEAD for GET: the same refusals (the check read the id still encoded, and GET alone)
    const enc = `%${id.charCodeAt(0).toString(16)}${id.slice(1)}`;
    expectProblem(await t.http.get(`/v1/documents/${enc}`).set(bia), 404, 'INGESTION.DOCUMENT_NOT_FOUND');
    expectProblem(await t.http.delete(`/v1/documents/${enc}`).set(bia), 404, 'INGESTION.DOCUMENT_NOT_FOUND');
    expect((await t.http.head(`/v1/documents/${id}`).set(bia)).status).toBe(404);
    const listed = await t.http.head('/v1/documents?collection=rh-secreto').set(bia);
    expect(listed.status).toBe(404);
    // nothing was changed: ana's document and conversation are there
    await t.http.get(`/v1/documents/${id}`).set(ana).expect(200);
    await t.http.get(`/v1/documents/${enc}`).set(ana).expect(200);
    expect((await t.http.get('/v1/conversations?user_id=ana').set(ana).expect(200)).body.items).toHaveLength(1);
  });

  it('refuses expired, tampered, wrong-audience, wrong-issuer and alg:none tokens', async () => {
    const good = await idp.sign({ sub: 'bia' }, { issuer: ISSUER, audience: AUDIENCE });
    const expired = await idp.sign({ sub: 'bia' }, { issuer: ISSUER, audience: AUDIENCE, expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const [h, p, s] = good.split('.');
    const tampered = [h, Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin', roles: ['admin'] })).toString('base64url'), s].join('.');
    const none = [Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'), p, ''].join('.');
    const audience = await idp.sign({ sub: 'bia' }, { issuer: ISSUER, audience: 'another-api' });
    const issuer = await idp.sign({ sub: 'bia' }, { issuer: 'https://evil.example.test/', audience: AUDIENCE });
    const cases: Array<[string, RegExp]> = [
      [expired, /expired/],
      [tampered, /signature/],
      [none, /malformed|algorithm/],
      [audience, /aud/],
      [issuer, /iss/],
    ];
    for (const [token, reason] of cases) {
      const res = await search({ authorization: `Bearer ${token}` });
      expect(expectProblem(res, 401, 'AUTH.INVALID_CREDENTIALS').detail).toMatch(reason);
      expect(JSON.stringify(res.body)).not.toContain(token);
    }
  });

  it('follows the issuer rotating its keys: a new kid is fetched, a dropped key no longer verifies', async () => {
    const old = idp.currentKey();
    const before = idp.fetches;
    await idp.rotate('ES256');
    const fresh = await idp.sign({ sub: 'bia', roles: ['admin'] }, { issuer: ISSUER, audience: AUDIENCE });
    await t.http.get('/v1/admin/keys').set('authorization', `Bearer ${fresh}`).expect(200);
    expect(idp.fetches).toBeGreaterThan(before);
    const stale = await idp.signWith(old, { sub: 'bia' }, { issuer: ISSUER, audience: AUDIENCE });
    expectProblem(await search({ authorization: `Bearer ${stale}` }), 401, 'AUTH.INVALID_CREDENTIALS');
  });
});

describe('JWT verification with an HS256 secret', () => {
  const cfg: AppConfig['auth']['jwt'] = {
    secret: 'a-shared-secret-of-at-least-32-bytes!!',
    issuer: 'acervo-tests',
    audience: 'acervo',
    clockToleranceSeconds: 30,
    requireExp: true,
    jwksCacheSeconds: 600,
    jwksCooldownSeconds: 30,
    userClaim: 'email',
    rolesClaim: 'roles',
    collectionsClaim: 'collections',
  };
  const verifier = new JoseTokenVerifier(cfg);

  it('reads the configured user, roles and collections claims, with clock tolerance', async () => {
    const jose = joseLib;
    const key = new TextEncoder().encode(cfg.secret);
    const sign = (claims: Record<string, unknown>, exp: number) =>
      new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('acervo-tests').setAudience('acervo').setExpirationTime(exp).sign(key);
    const now = Math.floor(Date.now() / 1000);
    await expect(verifier.verify(await sign({ email: 'ana@example.com', roles: ['admin'], collections: ['rh'] }, now + 60))).resolves.toMatchObject({
      userId: 'ana@example.com',
      role: 'admin',
      collections: ['rh'],
      via: 'jwt',
    });
    // 10 s past expiry is inside the 30 s tolerance; 60 s is not.
    await expect(verifier.verify(await sign({ email: 'ana@example.com' }, now - 10))).resolves.toMatchObject({ role: 'user', collections: undefined });
    await expect(verifier.verify(await sign({ email: 'ana@example.com' }, now - 60))).rejects.toMatchObject({ code: 'AUTH.INVALID_CREDENTIALS' });
    await expect(verifier.verify(await sign({ sub: 'no-email' }, now + 60))).rejects.toMatchObject({ message: expect.stringContaining('email') });
    const wrongSecret = await new jose.SignJWT({ email: 'x' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('acervo-tests').setAudience('acervo').sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'));
    await expect(verifier.verify(wrongSecret)).rejects.toMatchObject({ message: expect.stringContaining('signature') });
  });

  it('refuses a token without exp (it would never expire) unless requireExp is false', async () => {
    const forever = await new joseLib.SignJWT({ email: 'ana@example.com' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('acervo-tests').setAudience('acervo').sign(new TextEncoder().encode(cfg.secret));
    await expect(verifier.verify(forever)).rejects.toMatchObject({ code: 'AUTH.INVALID_CREDENTIALS', message: expect.stringContaining('no exp claim') });
    await expect(new JoseTokenVerifier({ ...cfg, requireExp: false }).verify(forever)).resolves.toMatchObject({ userId: 'ana@example.com' });
  });
});
