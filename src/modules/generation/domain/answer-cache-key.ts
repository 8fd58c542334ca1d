import { createHash } from 'node:crypto';
import { fold } from '../../../shared/text/lexical';

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

/**
 * Words a rewording may add, drop or swap without asking for something else: articles, prepositions and their
 * contractions, the present copula, "eu/meu/minha", "pra". Negations (não, nem, sem, nunca), interrogatives (qual,
 * quando, onde, quem, como, quanto, "por que"), tenses (foi, será), comparatives (mais, menos, acima, abaixo, antes,
 * depois) and numbers are not here: each of those changes the fact asked for.
 */
const FILLER = new Set(
  `a à ao aos as às o os um uma uns umas de do da dos das d em no na nos nas num numa para pra pro pros por pelo pela
   pelos pelas e é são ser está estão esta este isso isto aquilo eu me meu minha meus minhas the of`
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => fold(w)),
);

/**
 * Endings one word takes in its inflections (plural, gender, common verb forms), after the longest shared prefix.
 * Stricter than shared/text sameWord on purpose: that one lets the answerer find "férias" in "feriado"; a cache hit
 * must not join the two questions.
 */
const INFLECTION = /^(?:|a|o|e|s|as|os|es|ar|er|ir|or|ora|oras|ores|am|em|ou|ei|ando|endo|indo|ado|ada|ados|adas|ido|ida|idos|idas)$/;

/**
 * A question's content terms for the semantic cache: accent-folded, lower-case words and numbers, filler dropped,
 * each once, sorted. Two questions a semantic hit may join must have the same terms up to inflection (sameTerms):
 * the cosine of two embeddings alone let "... de gerentes ..." reuse the answer of "... de diretores ...", "5 anos"
 * that of "10 anos" and "Não posso ..." that of "Posso ..." in a long question (probe, session 14).
 */
export function questionTerms(question: string): string[] {
  const out = new Set<string>();
  for (const m of fold(question).matchAll(/[\p{L}\p{N}]+/gu)) if (!FILLER.has(m[0])) out.add(m[0]);
  return [...out].sort();
}

/** Every term of each list is a term of the other, or an inflection of one ("gerente"/"gerentes", "trocar"/"troco"); numbers only as written. */
export function sameTerms(a: readonly string[], b: readonly string[]): boolean {
  const covered = (xs: readonly string[], ys: readonly string[]) => xs.every((x) => ys.some((y) => inflectionOf(x, y)));
  return covered(a, b) && covered(b, a);
}

function inflectionOf(a: string, b: string): boolean {
  if (a === b) return true;
  if (/\d/.test(a) || /\d/.test(b)) return false;
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  // a short word: only its plural ("dia"/"dias", "mes"/"meses")
  if (p < 4) return p === Math.min(a.length, b.length) && /^(?:s|es)$/.test((a.length > b.length ? a : b).slice(p));
  return INFLECTION.test(a.slice(p)) && INFLECTION.test(b.slice(p));
}
