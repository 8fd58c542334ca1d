/*
 * Semantic cache threshold: cosine between the query embeddings of paraphrase pairs (the cache should
 * reuse the answer) and of near-miss pairs (same shape, other information: reusing would be a wrong
 * answer, a false hit), from test/fixtures/cache/paraphrases-pt.json, with the configured embedder.
 *
 *   npm run eval:semantic-cache      (EMBEDDER_PROVIDER=transformers ... for another embedder)
 *
 * Prints, per threshold, the paraphrases reused and the false hits by the cosine alone and as the cache decides (the
 * cosine and the same content terms, sameTerms), and the pairs closest to the line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbedder } from '../modules/retrieval/infrastructure/embedder.factory';
import { cosine, questionTerms, sameTerms } from '../modules/generation/domain/answer-cache-key';
import { loadConfig } from '../shared/config';
import { runHeader, shouldWriteDocs, writeSection } from './report';
import { markdownTable } from './stats';

interface Fixture {
  paraphrase: Array<[string, string]>;
  different: Array<[string, string]>;
}

type Scored = { cos: number; terms: boolean };

function verdict(para: Scored[], diff: Scored[], thresholds: number[], configured: number): string {
  const clean = thresholds.find((th) => diff.every((p) => p.cos < th));
  const closest = Math.max(...diff.map((p) => p.cos));
  const reused = (th: number) => para.filter((p) => p.cos >= th).length;
  return (
    `Lowest threshold with no false hit by the cosine alone: ${clean ?? 'none'}${clean === undefined ? '' : ` (reuses ${reused(clean)}/${para.length} paraphrases)`}; ` +
    `closest near miss ${closest.toFixed(3)}. The configured \`cache.semantic.threshold\` ${configured} reuses ${reused(configured)}/${para.length} with ` +
    `${diff.filter((p) => p.cos >= configured).length} false hits by the cosine alone; the cache, which also requires the same content terms, ` +
    `reuses ${para.filter((p) => p.cos >= configured && p.terms).length}/${para.length} with ${diff.filter((p) => p.cos >= configured && p.terms).length} false hits. A lexical embedder only catches rewordings that keep the words; ` +
    'a neural one (transformers, openai, ollama) must be measured with this script before the semantic cache is turned on.'
  );
}

async function main() {
  const fixture = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/cache/paraphrases-pt.json'), 'utf8')) as Fixture;
  const config = loadConfig({ env: process.env });
  const embedder = await createEmbedder(config);
  await embedder.warmUp();
  const score = async (pairs: Array<[string, string]>) =>
    Promise.all(
      pairs.map(async ([a, b]) => ({ a, b, cos: cosine(...((await embedder.embed([a, b], 'query')) as [Float32Array, Float32Array])), terms: sameTerms(questionTerms(a), questionTerms(b)) })),
    );
  const para = await score(fixture.paraphrase);
  const diff = await score(fixture.different);
  const thresholds = [0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
  const hits = (pairs: Scored[], th: number, withTerms: boolean) => pairs.filter((p) => p.cos >= th && (!withTerms || p.terms)).length;
  const table = markdownTable(
    ['threshold', 'paraphrases reused (cosine alone)', 'false hits (cosine alone)', 'paraphrases reused (the cache: cosine and same terms)', 'false hits (the cache)'],
    thresholds.map((th) => [th, `${hits(para, th, false)}/${para.length}`, `${hits(diff, th, false)}/${diff.length}`, `${hits(para, th, true)}/${para.length}`, `${hits(diff, th, true)}/${diff.length}`]),
  );
  const fmt = (p: { a: string; b: string; cos: number }) => `- ${p.cos.toFixed(3)}: "${p.a}" / "${p.b}"`;
  const body = [
    '## Semantic cache threshold (`npm run eval:semantic-cache`)',
    '',
    runHeader('npm run eval:semantic-cache'),
    `- Embedder: \`${embedder.info.modelId}\` (${embedder.info.kind}); pairs: test/fixtures/cache/paraphrases-pt.json, ${para.length} paraphrase pairs (should reuse) and ${diff.length} near-miss pairs (same shape, other information: reusing is a false hit, a wrong answer)`,
    '',
    table,
    '',
    verdict(para, diff, thresholds, config.cache.semantic.threshold),
    '',
    'Closest near misses (a false hit at a threshold below them):',
    '',
    ...[...diff].sort((x, y) => y.cos - x.cos).slice(0, 5).map(fmt),
    '',
    'Paraphrases furthest apart (never reused by this embedder):',
    '',
    ...[...para].sort((x, y) => x.cos - y.cos).slice(0, 5).map(fmt),
  ].join('\n');
  console.log(body);
  if (shouldWriteDocs()) writeSection('semantic-cache', body);
  await embedder.close?.();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
