/**
 * Lexical support between pieces of Portuguese text, used to verify citations and to pick extractive
 * sentences. Words are accent-folded, stopwords dropped and crudely stemmed (plural and common
 * suffixes), so "escolas católicas" supports "escola católica".
 */
const STOP = new Set(
  `a à ao aos as às até com como da das de do dos e é ela elas ele eles em entre era foi foram há isso isto já lhe
   mais mas me mesmo muito na nas não nem no nos o os ou para pela pelas pelo pelos por qual quais quando que quem se
   sem ser seu seus sua suas também tem um uma umas uns onde foi são está estava the of and to in is was for on by with`
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => fold(w)),
);

export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

export function stem(word: string): string {
  let w = word;
  for (const suffix of ['mente', 'coes', 'soes', 'ções', 'oes', 'aes', 'ais', 'eis', 'res', 'es', 's']) {
    if (w.length > suffix.length + 3 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w.length > 6 ? w.slice(0, 6) : w;
}

export function stems(text: string): string[] {
  const out: string[] = [];
  for (const m of fold(text).matchAll(/[\p{L}\p{N}]+/gu)) if (!STOP.has(m[0])) out.push(stem(m[0]));
  return out;
}

/** Share of `claim`'s content stems that appear in `source` (0..1; 1 when the claim has no content words). */
export function support(claim: string, source: string | Set<string>): number {
  const c = [...new Set(stems(claim))];
  if (c.length === 0) return 1;
  const s = typeof source === 'string' ? new Set(stems(source)) : source;
  return c.filter((w) => s.has(w)).length / c.length;
}

// titles before a name ("Dra.", "Eng.", "Enf.", "Ilmo.") and common abbreviations; not words that end sentences ("min.", "Ltda.", "ver.")
const ABBREVIATIONS = /(?:^|\s)(sr|sra|srs|sras|srta|dr|dra|drs|dras|prof|profa|profs|eng|enga|arq|adv|enf|esp|méd|med|vet|psic|nutr|fisio|exmo|exma|ilmo|ilma|cel|gen|ten|sgt|rev|pe|st|sto|sta|jr|mr|mrs|ms|p|ex|etc|vs|n|nº|art|pág|cap|fig|av|r|tel|dept|depto)\.$/i;
/** An initial inside a name ("Joan B. Kroc", "John F. Kennedy"): an uppercase letter alone before the period. */
const INITIAL = /(?:^|\s)\p{Lu}\.$/u;

/**
 * A line break inside a sentence: plain text hard-wrapped at a width ("…devolvidos em até\n7 dias…"). The line is
 * long, ends without a stop, and the next one goes on in lowercase (not a "campo: valor" line of a record); headings
 * and table rows are never wrapped.
 */
function wrapped(text: string, start: number, at: number): boolean {
  const line = text.slice(Math.max(start, text.lastIndexOf('\n', at - 1) + 1), at);
  // (a row of a table lined up by spaces is no wrapped prose either)
  if (line.trim().length < WRAP_MIN || /[.!?:;]["')\]]*\s*$/.test(line) || /^\s*[#|]/.test(line) || /\S(?:\t| {2,})\S/.test(line)) return false;
  const next = text.slice(at + 1, at + 41);
  return /^[ \t]*\p{Ll}/u.test(next) && !/^[ \t]*[\p{L}_ ]{1,30}:\s/u.test(next);
}
/** A hard-wrapped line is at least this long (wrapping widths are 60-80 characters; short lines are items or labels). */
const WRAP_MIN = 40;

/** Sentences with their offsets: split after . ! ? (or a line break) followed by space; abbreviations and decimals are kept whole. */
export function sentences(text: string): Array<{ text: string; start: number }> {
  const out: Array<{ text: string; start: number }> = [];
  let start = 0;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    const trimmed = raw.trim();
    if (trimmed) out.push({ text: trimmed, start: start + raw.indexOf(trimmed) });
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      if (!wrapped(text, start, i)) push(i + 1);
      continue;
    }
    if (ch !== '.' && ch !== '!' && ch !== '?') continue;
    let j = i;
    while (j + 1 < text.length && '.!?'.includes(text[j + 1])) j++;
    const next = text[j + 1];
    if (next !== undefined && !/\s/.test(next)) {
      i = j;
      continue; // 8.5, e.g.x, URLs
    }
    // "1. Instale o FortiClient" at the start of a line: a list item's number opens its sentence, it is not one
    if (ch === '.' && j === i && /^\s*\d{1,2}$/.test(text.slice(start, i)) && /(?:^|\n)[ \t]*\d{1,2}$/.test(text.slice(Math.max(0, i - 8), i))) {
      i = j;
      continue;
    }
    if (ch === '.' && j === i && (ABBREVIATIONS.test(text.slice(Math.max(start, i - 6), i + 1)) || INITIAL.test(text.slice(Math.max(start, i - 2), i + 1)))) {
      i = j;
      continue;
    }
    push(j + 1);
    i = j;
  }
  push(text.length);
  return out;
}

export interface Word {
  /** Folded (lowercase, no accents). */
  word: string;
  stem: string;
  /** Index among the text's words (stopwords included), for proximity. */
  pos: number;
  stop: boolean;
}

/** Every word of a text with its stem and position. */
export function words(text: string): Word[] {
  const out: Word[] = [];
  let pos = 0;
  for (const m of fold(text).matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = m[0];
    out.push({ word: w, stem: stem(w), pos: pos++, stop: STOP.has(w) });
  }
  return out;
}

/**
 * Two words of one family that the suffix stripper keeps apart ("vender" / "venda", "reembolso" /
 * "reembolsar"): a common prefix of at least 4 letters that leaves at most 2 letters of the shorter word.
 */
/** What a 4-letter stem may go on with inside one family: inflections and common derivations ("vend-edora", "casa-mento"). */
const FAMILY_TAIL = /^(?:[aeos]?|as|os|es|ar|er|ir|ou|eu|iu|am|em|ei|ia|ias|ao|ado|ada|ados|adas|ido|ida|idos|idas|ando|endo|indo|ador|adora|adores|adoras|edor|edora|edores|edoras|mento|mentos|cao|coes|vel|veis)$/;

export function sameFamily(a: string, b: string): boolean {
  if (a === b) return true;
  const n = Math.min(a.length, b.length);
  if (n < 4 || /\d/.test(a) || /\d/.test(b)) return false;
  let p = 0;
  while (p < n && a[p] === b[p]) p++;
  if (p < 4 || p < n - 2) return false;
  // on a 4-letter prefix the longer word may add only an ending or a derivational suffix ("vend-er", "casa-mento"),
  // not another word's tail: "comeca" / "comercial", "contas" / "contestar" are not one family
  return p >= 5 || FAMILY_TAIL.test((a.length > b.length ? a : b).slice(p));
}

/** Inflections of one word: all but the last letter of the shorter shared ("pedi" / "pedir", "faleceu" / "falecer"), or a plural "s" ("avó" / "avós"). */
export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const n = Math.min(a.length, b.length);
  let p = 0;
  while (p < n && a[p] === b[p]) p++;
  if (n === 3) return p === 3 && Math.abs(a.length - b.length) === 1 && /s$/.test(a.length > b.length ? a : b);
  return n > 3 && p >= Math.max(4, n - 1);
}
