import { fold } from '../../../../shared/text/lexical';

/**
 * Text normalization for lexical matching in Portuguese (and the English that mixes into company docs):
 * NFKD + combining marks removed (ação -> acao), lowercase, words of letters/digits, stopwords dropped.
 */
const STOPWORDS_PT = `a à ao aos aquela aquelas aquele aqueles aquilo as às até com como da das de dela delas dele deles
depois do dos e é ela elas ele eles em entre era eram essa essas esse esses esta está estão estas este estes eu foi
foram há isso isto já lhe lhes mais mas me mesmo meu meus minha minhas muito na nas não nem no nos nós num numa o os
ou para pela pelas pelo pelos por qual quando que quem se sem ser seu seus si só sua suas também te tem têm teu tua
um uma umas uns você vocês vos ser são sobre sido seja tinha tinham ter quais cujo cuja onde porque pois então
lo la los las ainda apenas cada qualquer outro outra outros outras todo toda todos todas`;
const STOPWORDS_EN = `a an and are as at be by for from has have in is it its of on or that the this to was were will with
which who whom what when where why how into than then there these those their they he she his her i you we our`;
export const STOPWORDS = new Set(
  `${STOPWORDS_PT} ${STOPWORDS_EN}`
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => fold(w)),
);

export { fold };

const WORD = /[\p{L}\p{N}]+/gu;

/** Content words of a text, in order, folded; stopwords removed. */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const m of fold(text).matchAll(WORD)) {
    const w = m[0];
    if (!STOPWORDS.has(w)) out.push(w);
  }
  return out;
}
