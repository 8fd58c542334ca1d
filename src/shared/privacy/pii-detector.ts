import { isValidCnpj, isValidCpf, isValidLuhn } from './check-digits';

/** The built-in kinds; configured patterns add their own names (upper case). */
export type BuiltInPiiKind = 'EMAIL' | 'CPF' | 'CNPJ' | 'CARD' | 'PHONE';

export interface PiiMatch {
  kind: string;
  start: number;
  end: number;
  value: string;
}

/** A configured pattern (privacy.patterns): a name used in placeholders and a JavaScript regex source. */
export interface PiiPattern {
  name: string;
  regex: string;
  flags?: string;
}

interface Rule {
  kind: string;
  re: RegExp;
  /** Keeps a candidate (check digits, plausible area code...). */
  accept?: (value: string) => boolean;
}

const digitsOf = (s: string) => s.replace(/\D/g, '');

/** Area codes (DDD) in use have no 0 digit: 11..19, 21..99 without 20, 30... */
const validDdd = (ddd: string) => /^[1-9][1-9]$/.test(ddd);

/**
 * Brazilian phone numbers, with or without +55, with the area code in parentheses or not, mobile (9 + 8
 * digits) or landline (2-5 + 7 digits), separated by spaces or a hyphen. A bare run of digits counts only as
 * an 11-digit mobile (DDD + 9xxxxxxxx): a bare 10-digit number is as often an order or account number.
 */
function acceptBrPhone(value: string): boolean {
  let d = digitsOf(value);
  const international = /^\+?\s*55/.test(value.trim()) && (d.length === 12 || d.length === 13);
  if (international) d = d.slice(2);
  if (d.length !== 10 && d.length !== 11) return false;
  if (!validDdd(d.slice(0, 2))) return false;
  if (d.length === 11 && d[2] !== '9') return false;
  if (d.length === 10 && !/[2-5]/.test(d[2])) return false;
  const separated = /[\s()+-]/.test(value);
  return separated || international || d.length === 11;
}

/** Built-in rules in priority order: when two candidates overlap, the earlier rule (then the longer match) wins. */
const BUILT_IN: Rule[] = [
  { kind: 'EMAIL', re: /(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])/g },
  {
    kind: 'CNPJ',
    re: /(?<![\w./-])[0-9A-Za-z]{2}\.?[0-9A-Za-z]{3}\.?[0-9A-Za-z]{3}\/?[0-9A-Za-z]{4}-?\d{2}(?![\w/-]|[.,]\d)/g,
    // a formatted CNPJ, or 14 bare characters with at least one digit in the body (not a plain word)
    accept: (v) => /\d/.test(v.slice(0, -2)) && isValidCnpj(v.replace(/[./-]/g, '')),
  },
  {
    kind: 'CPF',
    re: /(?<![\w./-])\d{3}\.?\d{3}\.?\d{3}[-.]?\d{2}(?![\w/-]|[.,]\d)/g,
    accept: (v) => isValidCpf(digitsOf(v)),
  },
  {
    kind: 'CARD',
    re: /(?<![\w.,/-])\d{4}(?:[ -]?\d{3,4}){2,3}(?:[ -]?\d{1,4})?(?![\w/-]|[.,]\d)/g,
    accept: (v) => /^[2-6]/.test(v) && isValidLuhn(digitsOf(v)),
  },
  {
    kind: 'PHONE',
    re: /(?<![\w.,/+-])(?:\+\s?55[\s-]?)?(?:\(\d{2}\)\s?|\d{2}[\s-]?)9?\d{4}[\s-]?\d{4}(?![\w/-]|[.,:]\d)/g,
    accept: acceptBrPhone,
  },
  {
    // other countries: E.164 with its + (8 to 15 digits, spaces or hyphens between groups)
    kind: 'PHONE',
    re: /(?<![\w+])\+(?!55)[1-9]\d{0,3}(?:[\s-]?\(?\d{1,4}\)?){2,5}(?![\w-]|[.,]\d)/g,
    accept: (v) => {
      const n = digitsOf(v).length;
      return n >= 8 && n <= 15;
    },
  },
];

/** A placeholder as the maskers write it: `[CPF_1]`, `[EMAIL_2]`, `[MATRICULA_1]`. */
export const PLACEHOLDER_RE = /\[([A-Z][A-Z0-9_]*?)_(\d{1,6})\]/g;

/**
 * Finds personal identifiers in text: e-mail addresses, CPF and CNPJ (check digits verified, formatted or
 * not, CNPJ alphanumeric too), card numbers (Luhn), Brazilian phone numbers and international ones written
 * with +, and the configured patterns. Pure and synchronous: used on every log line and every prompt.
 */
export class PiiDetector {
  private readonly rules: Rule[];

  constructor(patterns: PiiPattern[] = []) {
    this.rules = [
      ...BUILT_IN,
      ...patterns.map((p) => ({ kind: p.name, re: new RegExp(p.regex, withGlobal(p.flags ?? '')) })),
    ];
  }

  /** Non-overlapping matches in text order. */
  find(text: string): PiiMatch[] {
    if (!text || (!/[\d@]/.test(text) && this.rules.length === BUILT_IN.length)) return [];
    const candidates: Array<PiiMatch & { priority: number }> = [];
    this.rules.forEach((rule, priority) => {
      rule.re.lastIndex = 0;
      for (const m of text.matchAll(rule.re)) {
        if (!m[0] || (rule.accept && !rule.accept(m[0]))) continue;
        candidates.push({ kind: rule.kind, start: m.index, end: m.index + m[0].length, value: m[0], priority });
      }
    });
    candidates.sort((a, b) => a.priority - b.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
    const taken: PiiMatch[] = [];
    for (const c of candidates) {
      if (taken.some((t) => c.start < t.end && t.start < c.end)) continue;
      taken.push({ kind: c.kind, start: c.start, end: c.end, value: c.value });
    }
    return taken.sort((a, b) => a.start - b.start);
  }

  /** Text with each identifier replaced by `replace(match)` (default `[CPF]`, `[EMAIL]`...). */
  mask(text: string, replace: (m: PiiMatch) => string = (m) => `[${m.kind}]`): string {
    const matches = this.find(text);
    if (matches.length === 0) return text;
    let out = '';
    let at = 0;
    for (const m of matches) {
      out += text.slice(at, m.start) + replace(m);
      at = m.end;
    }
    return out + text.slice(at);
  }
}

function withGlobal(flags: string): string {
  return flags.includes('g') ? flags : `${flags}g`;
}

/** Checks a configured pattern (config validation): a name usable in placeholders and a regex that compiles. */
export function patternProblem(p: PiiPattern): string | undefined {
  if (!/^[A-Z][A-Z0-9_]{0,31}$/.test(p.name)) return `name "${p.name}" must be upper case letters, digits and _ (placeholders are [NAME_1])`;
  try {
    const re = new RegExp(p.regex, withGlobal(p.flags ?? ''));
    if (re.test('')) return `regex of ${p.name} matches the empty string`;
  } catch (e) {
    return `regex of ${p.name} does not compile: ${(e as Error).message}`;
  }
  return undefined;
}
