/*
 * Semantic cache threshold: cosine between the query embeddings of paraphrase pairs (the cache should
 * reuse the answer) and of near-miss pairs (same shape, other information: reusing would be a wrong
 * answer, a false hit), from test/fixtures/cache/paraphrases-pt.json, with the configured embedder.
 *
 *   npm run eval:semantic-cache      (EMBEDDER_PROVIDER=transformers ... for another embedder)
 *
 * Prints, per threshold, the paraphrases reused and the false hits, and the pairs closest to the line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbedder } from '../modules/retrieval/infrastructure/embedder.factory';
import { cosine } from '../modules/generation/domain/answer-cache-key';
import { loadConfig } from '../shared/config';

interface Fixture {
  paraphrase: Array<[string, string]>;
  different: Array<[string, string]>;
}

async function main() {
  const fixture = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/cache/paraphrases-pt.json'), 'utf8')) as Fixture;
  const config = loadConfig({ env: process.env });
  const embedder = await createEmbedder(config);
  await embedder.warmUp();
  const score = async (pairs: Array<[string, string]>) =>
    Promise.all(pairs.map(async ([a, b]) => ({ a, b, cos: cosine(...((await embedder.embed([a, b], 'query')) as [Float32Array, Float32Array])) })));
  const para = await score(fixture.paraphrase);
  const diff = await score(fixture.different);
  console.log(`embedder ${embedder.info.modelId}: ${para.length} paraphrase pairs, ${diff.length} near-miss pairs`);
  console.log('| threshold | paraphrases reused | false hits (near misses reused) |');
  console.log('|---:|---:|---:|');
  for (const th of [0.8, 0.85, 0.9, 0.92, 0.95, 0.97]) {
    const reused = para.filter((p) => p.cos >= th).length;
    const falseHits = diff.filter((p) => p.cos >= th);
    console.log(`| ${th} | ${reused}/${para.length} | ${falseHits.length}/${diff.length} |`);
  }
  const fmt = (p: { a: string; b: string; cos: number }) => `${p.cos.toFixed(3)}  "${p.a}" / "${p.b}"`;
  console.log('\nhighest near misses:\n' + [...diff].sort((x, y) => y.cos - x.cos).slice(0, 5).map(fmt).join('\n'));
  console.log('\nlowest paraphrases:\n' + [...para].sort((x, y) => x.cos - y.cos).slice(0, 5).map(fmt).join('\n'));
  await embedder.close?.();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
