import { OpenAiEmbedder } from '../src/modules/retrieval/infrastructure/embedders/openai.embedder';
import { FakeOpenAiServer } from './support/fake-openai.server';
it('dbg', async () => {
  const fake = new FakeOpenAiServer();
  await fake.start();
  fake.fail({ type: 'delay', ms: 1500 }, { times: Infinity });
  const e = new OpenAiEmbedder({ baseUrl: fake.baseUrl, apiKey: 'k', model: 'text-embedding-3-small', dimension: 8, timeoutMs: 200, maxRetries: 0, batchSize: 2 });
  const t = Date.now();
  try { await e.embed(['x'], 'query'); } catch (err) { console.log(Date.now() - t, err); }
  const port = 1;
  const e2 = new OpenAiEmbedder({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'k', model: 'text-embedding-3-small', dimension: 8, timeoutMs: 200, maxRetries: 0, batchSize: 2 });
  try { await e2.embed(['x'], 'query'); } catch (err) { console.log(err); }
  await fake.close();
});
