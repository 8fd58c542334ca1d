import { getEncoding, Tiktoken } from 'js-tiktoken';

let cl100k: Tiktoken | undefined;
let o200k: Tiktoken | undefined;

/** Tokens of `text` with cl100k_base (bundled with js-tiktoken: no download). */
export function countTokens(text: string): number {
  cl100k ??= getEncoding('cl100k_base');
  return cl100k.encode(text).length;
}

/**
 * Tokens for a given model: o200k_base for the GPT-4o/4.1/o-series family, cl100k_base for other
 * OpenAI models, and cl100k as an estimate for models whose tokenizer is not bundled (Llama, Mixtral...).
 */
export function tokenCounterFor(model: string): { count: (text: string) => number; exact: boolean } {
  if (/^(gpt-4o|gpt-4\.1|gpt-5|o[1-9])/i.test(model)) {
    return { count: (t) => (o200k ??= getEncoding('o200k_base')).encode(t).length, exact: true };
  }
  return { count: countTokens, exact: /^(gpt-4|gpt-3\.5|text-embedding)/i.test(model) };
}
