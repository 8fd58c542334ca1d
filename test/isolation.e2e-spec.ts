import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { expectOpenAiError, expectProblem, startTestApp, TestApp } from './support/app';

/**
 * Isolation (issue 11) with auth.mode required: two users with their private collections and one public
 * collection; every route is tried across the boundary, and nothing of one user reaches the other.
 */
const ADMIN = 'isolation-admin-key';

describe('Isolation between users and collections (auth.mode required)', () => {
  let t: TestApp;
  const key: Record<'ana' | 'bia', string> = { ana: '', bia: '' };
  const doc: Record<'ana' | 'bia', string> = { ana: '', bia: '' };
  let anaConversation = '';
  let anaJob = '';
  const as = (who: 'ana' | 'bia' | 'admin') => ({ 'x-api-key': who === 'admin' ? ADMIN : key[who] });

  beforeAll(async () => {
    t = await startTestApp({ admin: { apiKey: ADMIN }, auth: { mode: 'required' } });
    for (const who of ['ana', 'bia'] as const) {
      key[who] = (await t.http.post('/v1/admin/keys').set(as('admin')).send({ role: 'user', user_id: who }).expect(201)).body.key;
    }
    // Each user's first ingest claims a new collection: private to them.
    doc.ana = (await t.http.post('/v1/documents').set(as('ana')).send({ collection: 'ana-rh', title: 'Salários', text: 'A folha de pagamento da Ana fecha no dia 25 de cada mês.' }).expect(201)).body.id;
    doc.bia = (await t.http.post('/v1/documents').set(as('bia')).send({ collection: 'bia-rh', title: 'Salários', text: 'A folha de pagamento da Bia fecha no dia 20 de cada mês.' }).expect(201)).body.id;
    await t.http.post('/v1/documents').set(as('admin')).send({ collection: 'publica', title: 'Feriados', text: 'A folha de pagamento não fecha em feriados nacionais.' }).expect(201);
    await t.http.put('/v1/collections/publica').set(as('admin')).send({ visibility: 'public' }).expect(200);
    anaConversation = (await t.http.post('/v1/chat').set(as('ana')).send({ message: 'Quando fecha a folha de pagamento?', collection: 'ana-rh' }).expect(200)).body.conversation_id;
    const job = await t.http.post('/v1/documents?async=true').set(as('ana')).send({ collection: 'ana-rh', title: 'Ponto', text: 'O ponto eletrônico fecha no dia 24.' }).expect(202);
    anaJob = job.body.job_id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('search, ask and chat reach only readable collections; the others are unknown (404)', async () => {
    const hits = await t.http.post('/v1/search').set(as('ana')).send({ query: 'folha de pagamento', collection: 'ana-rh', mode: 'text' }).expect(200);
    expect(hits.body.hits.map((h: { text: string }) => h.text).join(' ')).toContain('Ana');
    await t.http.post('/v1/search').set(as('ana')).send({ query: 'folha de pagamento', collection: 'publica', mode: 'text' }).expect(200);

    const crossing = await t.http.post('/v1/search').set(as('ana')).send({ query: 'folha de pagamento', collection: 'bia-rh', mode: 'text' });
    const unknown = await t.http.post('/v1/search').set(as('ana')).send({ query: 'folha de pagamento', collection: 'nao-existe', mode: 'text' });
    expect(expectProblem(crossing, 404, 'RETRIEVAL.COLLECTION_NOT_FOUND').detail).toBe(String(expectProblem(unknown, 404, 'RETRIEVAL.COLLECTION_NOT_FOUND').detail).replace('nao-existe', 'bia-rh'));

    expectProblem(await t.http.post('/v1/ask').set(as('ana')).send({ question: 'Quando fecha a folha da Bia?', collection: 'bia-rh' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    expectProblem(await t.http.post('/v1/chat').set(as('ana')).send({ message: 'Quando fecha a folha da Bia?', collection: 'bia-rh' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    expectOpenAiError(
      await t.http.post('/v1/chat/completions').set(as('ana')).send({ model: 'acervo:bia-rh', messages: [{ role: 'user', content: 'Quando fecha a folha da Bia?' }] }),
      404,
      'RETRIEVAL.COLLECTION_NOT_FOUND',
    );
    // Nor through the default collection, which holds nothing of theirs and has no access list.
    expectProblem(await t.http.post('/v1/search').set(as('bia')).send({ query: 'folha', mode: 'text' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
  });

  it('documents: list, get and delete across the boundary answer 404, and nothing is deleted', async () => {
    const mine = await t.http.get('/v1/documents').query({ collection: 'ana-rh' }).set(as('ana')).expect(200);
    expect(mine.body.items.map((d: { id: string }) => d.id)).toContain(doc.ana);
    expectProblem(await t.http.get('/v1/documents').query({ collection: 'bia-rh' }).set(as('ana')), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    expectProblem(await t.http.get(`/v1/documents/${doc.bia}`).set(as('ana')), 404, 'INGESTION.DOCUMENT_NOT_FOUND');
    expectProblem(await t.http.delete(`/v1/documents/${doc.bia}`).set(as('ana')), 404, 'INGESTION.DOCUMENT_NOT_FOUND');
    await t.http.get(`/v1/documents/${doc.bia}`).set(as('bia')).expect(200);
    // Without a collection a user lists the default one, never every collection.
    expectProblem(await t.http.get('/v1/documents').set(as('ana')), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
  });

  it('ingest: only into writable collections (JSON, URL and multipart alike); a public one is read-only', async () => {
    expectProblem(await t.http.post('/v1/documents').set(as('ana')).send({ collection: 'bia-rh', title: 'x', text: 'Texto intruso.' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    expectProblem(await t.http.post('/v1/documents/url').set(as('ana')).send({ collection: 'bia-rh', url: 'http://127.0.0.1:9/x' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    const upload = await t.http.post('/v1/documents').set(as('ana')).field('collection', 'bia-rh').attach('files', Buffer.from('Texto intruso.'), 'intruso.txt');
    expectProblem(upload, 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    expectProblem(await t.http.post('/v1/documents').set(as('ana')).send({ collection: 'publica', title: 'x', text: 'Texto intruso.' }), 403, 'AUTH.FORBIDDEN');
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM documents WHERE collection IN ('bia-rh', 'publica')`);
    expect(n).toBe(2);
  });

  it('conversations are visible to their user only', async () => {
    expectProblem(await t.http.get(`/v1/conversations/${anaConversation}`).set(as('bia')), 404, 'CONVERSATION.NOT_FOUND');
    expectProblem(await t.http.delete(`/v1/conversations/${anaConversation}`).set(as('bia')), 404, 'CONVERSATION.NOT_FOUND');
    expectProblem(await t.http.post('/v1/chat').set(as('bia')).send({ message: 'e depois?', conversation_id: anaConversation, collection: 'bia-rh' }), 404, 'CONVERSATION.NOT_FOUND');
    expect((await t.http.get('/v1/conversations').set(as('bia')).expect(200)).body.items).toEqual([]);
    expectProblem(await t.http.get(`/v1/conversations/${anaConversation}?user_id=ana`).set(as('bia')), 403, 'AUTH.USER_MISMATCH');
    expectProblem(await t.http.delete('/v1/users/ana/memory').set(as('bia')), 403, 'AUTH.USER_MISMATCH');
    const own = await t.http.get(`/v1/conversations/${anaConversation}`).set(as('ana')).expect(200);
    expect(own.body.messages.length).toBe(2);
  });

  it('OpenAI-compatible API: the model list names only readable collections; `user` is the caller', async () => {
    const models = await t.http.get('/v1/models').set(as('ana')).expect(200);
    const ids = models.body.data.map((m: { id: string }) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['acervo:ana-rh', 'acervo:publica']));
    expect(ids).not.toContain('acervo:bia-rh');
    // GET /v1/models/{id} of a collection the caller may not read: the 404 of an unknown model
    await t.http.get('/v1/models/acervo:ana-rh').set(as('ana')).expect(200);
    const hidden = expectOpenAiError(await t.http.get('/v1/models/acervo:bia-rh').set(as('ana')), 404, 'CONVERSATION.MODEL_NOT_FOUND');
    expect(hidden.message).toBe(expectOpenAiError(await t.http.get('/v1/models/acervo:nao-existe').set(as('ana')), 404, 'CONVERSATION.MODEL_NOT_FOUND').message.replace('nao-existe', 'bia-rh'));
    expectOpenAiError(
      await t.http.post('/v1/chat/completions').set(as('bia')).send({ model: 'acervo:bia-rh', user: 'ana', messages: [{ role: 'user', content: 'Oi' }] }),
      403,
      'AUTH.USER_MISMATCH',
    );
  });

  it('jobs: a job is followed only by who may read its collection; the job list is for admins', async () => {
    await t.http.get(`/v1/jobs/${anaJob}`).set(as('ana')).expect(200);
    expectProblem(await t.http.get(`/v1/jobs/${anaJob}`).set(as('bia')), 404, 'INGESTION.JOB_NOT_FOUND');
    expectProblem(await t.http.get('/v1/jobs').set(as('bia')), 403, 'AUTH.FORBIDDEN');
    await t.http.get('/v1/jobs').set(as('admin')).expect(200);
  });

  it('a key bound to collections touches only those, even public ones outside the bound', async () => {
    const bound = (await t.http.post('/v1/admin/keys').set(as('admin')).send({ role: 'user', user_id: 'ana', collections: ['ana-rh'] }).expect(201)).body.key;
    await t.http.post('/v1/search').set({ 'x-api-key': bound }).send({ query: 'folha', collection: 'ana-rh', mode: 'text' }).expect(200);
    expectProblem(await t.http.post('/v1/search').set({ 'x-api-key': bound }).send({ query: 'folha', collection: 'publica', mode: 'text' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
  });

  it("access lists: the owner shares a collection; another user can neither read nor change it before that", async () => {
    expectProblem(await t.http.put('/v1/collections/ana-rh').set(as('bia')).send({ visibility: 'public' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    expectProblem(await t.http.get('/v1/collections/ana-rh').set(as('bia')), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
    const shared = await t.http.put('/v1/collections/ana-rh').set(as('ana')).send({ visibility: 'private', users: ['bia'] }).expect(200);
    expect(shared.body).toEqual({ collection: 'ana-rh', owner: 'ana', visibility: 'private', users: ['bia'] });
    await t.http.post('/v1/search').set(as('bia')).send({ query: 'folha', collection: 'ana-rh', mode: 'text' }).expect(200);
    await t.http.put('/v1/collections/ana-rh').set(as('ana')).send({ visibility: 'private', users: [] }).expect(200);
    expectProblem(await t.http.post('/v1/search').set(as('bia')).send({ query: 'folha', collection: 'ana-rh', mode: 'text' }), 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
  });
  it('a chat follow-up without collection runs on, and is checked against, its conversation\'s collection (HTTP, SSE, WebSocket)', async () => {
    // Follow-ups in a non-default collection work though default is not readable (it was 404 "default").
    const followUp = await t.http.post('/v1/chat').set(as('ana')).send({ message: 'e em fevereiro?', conversation_id: anaConversation }).expect(200);
    expect(followUp.body.conversation_id).toBe(anaConversation);
    expectProblem(
      await t.http.post('/v1/chat').set(as('ana')).send({ message: 'e em março?', conversation_id: anaConversation, collection: 'publica' }),
      409,
      'CONVERSATION.COLLECTION_MISMATCH',
    );
    // bia shares a collection with ana, ana chats in it, then bia takes the access back.
    await t.http.post('/v1/documents').set(as('bia')).send({ collection: 'bia-projeto', title: 'Orçamento', text: 'O orçamento secreto do projeto Aurora é de 42 mil reais.' }).expect(201);
    await t.http.put('/v1/collections/bia-projeto').set(as('bia')).send({ visibility: 'private', users: ['ana'] }).expect(200);
    const first = await t.http.post('/v1/chat').set(as('ana')).send({ message: 'Qual é o orçamento secreto do projeto Aurora?', collection: 'bia-projeto' }).expect(200);
    expect(first.body.response).toMatch(/42 mil/);
    const shared = first.body.conversation_id as string;
    await t.http.put('/v1/collections/bia-projeto').set(as('bia')).send({ visibility: 'private', users: [] }).expect(200);
    // default readable by ana: the follow-up used to be checked there and answered from bia-projeto.
    await t.http.put('/v1/collections/default').set(as('admin')).send({ visibility: 'public' }).expect(200);
    try {
      const message = 'qual é o orçamento secreto do projeto Aurora?';
      for (const stream of [false, true]) {
        const r = await t.http.post('/v1/chat').set(as('ana')).send({ message, conversation_id: shared, stream });
        expectProblem(r, 404, 'RETRIEVAL.COLLECTION_NOT_FOUND');
        expect(r.body.detail).toContain('bia-projeto');
      }
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.app.getHttpServer().address() as AddressInfo;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/chat/ws`, { headers: { 'x-api-key': key.ana } });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send(JSON.stringify({ event: 'chat', data: { message, conversation_id: shared } }));
      const answer = await new Promise<{ event: string; data: Record<string, unknown> }>((resolve) => ws.once('message', (m) => resolve(JSON.parse(m.toString()))));
      ws.close();
      expect(answer).toMatchObject({ event: 'error', data: { status: 404, code: 'RETRIEVAL.COLLECTION_NOT_FOUND' } });
      const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM conversation_messages WHERE conversation_id = $1', [shared]);
      expect(n).toBe(2);
      // Its messages quote bia-projeto: no longer readable by ana, nor by a key of hers bound to ana-rh.
      expectProblem(await t.http.get(`/v1/conversations/${shared}`).set(as('ana')), 404, 'CONVERSATION.NOT_FOUND');
      await t.http.put('/v1/collections/bia-projeto').set(as('bia')).send({ visibility: 'private', users: ['ana'] }).expect(200);
      await t.http.get(`/v1/conversations/${shared}`).set(as('ana')).expect(200);
      const bound = (await t.http.post('/v1/admin/keys').set(as('admin')).send({ role: 'user', user_id: 'ana', collections: ['ana-rh'] }).expect(201)).body.key;
      expectProblem(await t.http.get(`/v1/conversations/${shared}`).set({ 'x-api-key': bound }), 404, 'CONVERSATION.NOT_FOUND');
      await t.http.get(`/v1/conversations/${anaConversation}`).set({ 'x-api-key': bound }).expect(200);
    } finally {
      await t.http.put('/v1/collections/default').set(as('admin')).send({ visibility: 'private' }).expect(200);
    }
  });
});
