import { createHash } from 'node:crypto';

/** The same question however it was typed: Unicode NFC, lower case, runs of whitespace as one space. */
export function normalizeQuestion(question: string): string {
  return question.normalize('NFC').toLocaleLowerCase('pt-BR').replace(/\s+/gu, ' ').trim();
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` filters give one key. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url');

/** Cosine of two L2-normalized vectors (embedders return normalized vectors). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -1;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}
