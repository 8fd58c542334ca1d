import { getEncoding, Tiktoken } from 'js-tiktoken';
import { yieldIfLong } from '../loop/yield-if-long';

let cl100k: Tiktoken | undefined;
let o200k: Tiktoken | undefined;

/** Exact counts are memoized (bounded, insertion-ordered eviction): chunks recur across requests. */
const CACHE_LIMIT = 20000;
const caches = new Map<string, Map<string, number>>();

function cached(encoding: string, encode: () => Tiktoken, text: string): number {
  let cache = caches.get(encoding);
  if (!cache) caches.set(encoding, (cache = new Map()));
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  // "<|endoftext|>" written in a document or a question is text, not a special token to refuse (it threw: a 500)
  const n = encode().encode(text, [], []).length;
  if (text.length <= 20000) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(text, n);
  }
  return n;
}

/** Tokens of `text` with cl100k_base (bundled with js-tiktoken: no download). */
export function countTokens(text: string): number {
  return cached('cl100k', () => (cl100k ??= getEncoding('cl100k_base')), text);
}

let fastCl100k: Promise<(text: string) => number> | undefined;

// "<|endoftext|>" in a document (one about LLMs) is text like any other, not a special token to refuse
const PLAIN = { disallowedSpecial: new Set<string>() };

/**
 * cl100k_base token counts for sizing chunks, by gpt-tokenizer: the same counts as js-tiktoken (countTokens; the
 * spec compares them), 3.6-6x faster on Portuguese prose. js-tiktoken's count was about as much CPU per chunk as the
 * chunk's HNSW insert on a server (docs/BENCHMARKS.md, issue 13, session 9). Loaded at the first count (about 0.2 s).
 */
export async function chunkTokens(text: string): Promise<number> {
  // the splitter counts a large document piece by piece: other requests get the loop every LOOP_SLICE_MS
  const pause = yieldIfLong();
  if (pause) await pause;
  const count = await (fastCl100k ??= import('gpt-tokenizer/cjs/encoding/cl100k_base').then((m) => (t: string) => m.countTokens(t, PLAIN)));
  return count(text);
}

/**
 * A cheap estimate for models whose tokenizer is not bundled (Llama, Mixtral, Gemma, the extractive
 * answerer): cl100k averages about 3.6 characters per token on Portuguese prose; rounded up.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.6);
}

/**
 * The model's own tokenizer where it is bundled (o200k_base for GPT-4o/4.1/5 and o-series, cl100k_base
 * for GPT-4/3.5 and OpenAI embeddings), an estimate otherwise.
 */
export function tokenCounterFor(model: string): { count: (text: string) => number; exact: boolean } {
  if (/^(gpt-4o|gpt-4\.1|gpt-5|o[1-9])/i.test(model)) {
    return { count: (t) => cached('o200k', () => (o200k ??= getEncoding('o200k_base')), t), exact: true };
  }
  if (/^(gpt-4|gpt-3\.5|text-embedding)/i.test(model)) return { count: countTokens, exact: true };
  return { count: estimateTokens, exact: false };
}
