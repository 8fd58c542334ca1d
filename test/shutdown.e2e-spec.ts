/**
 * Graceful shutdown (issue 12) of the real server process (node dist/main.js, see support/server-process.ts):
 * SIGTERM while a streamed /v1/ask and a multipart upload are in flight lets both finish, readiness answers 503 at
 * once, new connections are refused once the listener closes, the database is closed and the process exits 0; the
 * upload is there after a restart. A second SIGTERM exits at once (the grace period's end: graceful-shutdown.spec.ts).
 * The streamed answer comes from the fake OpenAI server, held after its first words until the test releases it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { heldUpload, postSse, request, until } from './support/live-http';
import { buildIfStale, resetServerDatabase, ServerProcess } from './support/server-process';

const API_KEY = 'sk-shutdown-test';
const QUESTION = 'Quantos dias de férias tem cada colaborador?';
const FERIAS = 'Cada colaborador tem direito a trinta dias corridos de férias por ano, marcados com o gestor.';
const REPLY = 'Cada colaborador tem trinta dias corridos de férias por ano [1].';
const VIAGENS = 'Viagens internacionais precisam de aprovação da diretoria com quinze dias de antecedência.';


describe('graceful shutdown of the server process (SIGTERM)', () => {
  const fake = new FakeOpenAiServer({ apiKey: API_KEY });
  const releases: Array<() => void> = [];
  let root: string;
  let dataDir: string;
  let server: ServerProcess | undefined;
  const llm = () => ({ LLM_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: API_KEY, OPENAI_MODEL: 'gpt-4o-mini' });

  /** The next streamed answer stops after its first two words until the returned function is called. */
  const heldReply = (): (() => void) => {
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    releases.push(release);
    fake.reply({ content: REPLY, hold: { afterPieces: 2, until } });
    return release;
  };
  const inFlight = async (base: string) => (await request(base, 'GET', '/health/ready')).body?.details?.lifecycle?.in_flight as number;
  // In the order logged, not the order read: an exit at once flushes the buffered lines synchronously while the
  // write of an earlier one may still be under way, so a line can arrive after a later one. Two lines logged in the
  // same millisecond keep the lifecycle's own order (the forced exit is the last thing the process logs).
  const LIFECYCLE = ['draining', 'listener-closed', 'drained', 'closed', 'forced'];
  const phases = (s: ServerProcess) =>
    s.logs
      .filter((l) => l.context === 'Shutdown')
      .sort((a, b) => (a.time as number) - (b.time as number) || LIFECYCLE.indexOf(a.phase as string) - LIFECYCLE.indexOf(b.phase as string))
      .map((l) => l.phase);

  beforeAll(async () => {
    buildIfStale();
    await fake.start();
    root = mkdtempSync(join(tmpdir(), 'acervo-shutdown-'));
    dataDir = join(root, 'data');
  }, 240_000);

  afterAll(async () => {
    releases.forEach((release) => release());
    await server?.kill();
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lets a streamed answer and an upload in flight finish, answers readiness 503, stops accepting, closes and exits 0; the upload is kept', async () => {
    server = await ServerProcess.start(dataDir, { ...llm(), HTTP_SHUTDOWN_STOP_ACCEPTING_AFTER_MS: '1000' });
    await server.ready();
    await resetServerDatabase();
    const base = server.baseUrl;
    expect((await request(base, 'POST', '/v1/documents', { title: 'Férias', text: FERIAS, collection: 'rh' })).status).toBe(201);

    const release = heldReply();
    const stream = postSse(base, '/v1/ask', { question: QUESTION, collection: 'rh', stream: true });
    await stream.first('token');
    const upload = heldUpload(base, { name: 'viagens.txt', content: VIAGENS }, { collection: 'rh' });
    await until(async () => (await inFlight(base)) === 3, 'the stream, the upload and the probe in flight');

    server.signal('SIGTERM');
    await server.waitForLog((l) => l.phase === 'draining');
    const unready = await request(base, 'GET', '/health/ready');
    expect(unready.status).toBe(503);
    expect(unready.body.error.lifecycle).toEqual({ status: 'down', state: 'draining', in_flight: 3 });
    await server.waitForLog((l) => l.phase === 'listener-closed');
    expect((await request(base, 'GET', '/health/live')).error).toBe('ECONNREFUSED');

    // what was in flight still finishes: the stream with its done event, the upload with its 201
    release();
    const streamed = await stream.ended;
    expect(streamed).toMatchObject({ status: 200, how: 'end' });
    expect(streamed.events.map((e) => e.event)).toContain('token');
    expect(streamed.events.at(-1)).toMatchObject({ event: 'done', data: { grounded: true, answer: REPLY } });
    const uploaded = await upload.finish();
    expect(uploaded).toMatchObject({ status: 201, body: { documents: [{ deduplicated: false, chunks: 1 }] } });

    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(phases(server)).toEqual(['draining', 'listener-closed', 'drained', 'closed']);
    expect(server.phase('draining')).toMatchObject({ signal: 'SIGTERM', inFlight: 2, graceMs: 25000 });
    expect(server.logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);

    // the same data after a restart: both documents, the uploaded one searchable
    server = await ServerProcess.start(dataDir, llm());
    await server.ready();
    const listed = await request(server.baseUrl, 'GET', '/v1/documents?collection=rh');
    expect(listed.body.items.map((d: { title: string; chunk_count: number }) => [d.title, d.chunk_count]).sort()).toEqual([
      ['Férias', 1],
      ['viagens', 1],
    ]);
    const found = await request(server.baseUrl, 'POST', '/v1/search', { query: 'viagens internacionais diretoria', collection: 'rh' });
    expect(found.body.hits[0]).toMatchObject({ title: 'viagens' });
  }, 120_000);

  it('a second SIGTERM exits at once (143) while a stream is still in flight', async () => {
    const base = server!.baseUrl;
    heldReply();
    const stream = postSse(base, '/v1/ask', { question: QUESTION, collection: 'rh', stream: true });
    await stream.first('token');
    server!.signal('SIGTERM');
    await server!.waitForLog((l) => l.phase === 'draining');
    server!.signal('SIGTERM');
    expect(await server!.exited).toEqual({ code: 143, signal: null });
    expect(phases(server!)).toEqual(['draining', 'listener-closed', 'forced']);
    expect(server!.phase('forced')).toMatchObject({ signal: 'SIGTERM', inFlight: 1, state: 'draining' });
    // the client sees its stream cut without a done event
    const streamed = await stream.ended;
    expect(streamed.events.map((e) => e.event)).not.toContain('done');
  }, 60_000);
});
