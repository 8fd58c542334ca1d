/*
 * A MyThes thesaurus (LibreOffice's `th_*.dat`, e.g. Debian's mythes-pt-br and mythes-pt-pt under /usr/share/mythes/)
 * read for query expansion in the recall sweep. Nothing of it is bundled: the sweep reads the installed files.
 *
 * Format (MyThes data layout): line 1 the encoding; then `entry|senses`, followed by one line per sense,
 * `pos|syn1|syn2|...`, every item a synonym of the entry in that sense. pt_BR's lines are `(Sinônimo)x|x|entry|...`.
 */
import { readFileSync } from 'node:fs';

export interface ThesaurusEntry {
  /** Number of senses (lines) the entry has: a measure of its polysemy. */
  senses: number;
  /** Single-word synonyms, strongest first: by the number of the entry's senses that list them, then first seen. */
  synonyms: string[];
}

const SINGLE_WORD = /^[\p{L}][\p{L}-]*$/u;

/** Entries keyed by their lower-case single word (multi-word entries and synonyms are dropped). */
export function readMythes(path: string): Map<string, ThesaurusEntry> {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out = new Map<string, ThesaurusEntry>();
  let head: string | undefined;
  let counts = new Map<string, number>();
  let senses = 0;
  const flush = () => {
    if (head === undefined || !SINGLE_WORD.test(head)) return;
    const synonyms = [...counts].sort((a, b) => b[1] - a[1]).map(([s]) => s); // stable: first seen breaks ties
    const prior = out.get(head);
    if (prior) out.set(head, { senses: prior.senses + senses, synonyms: [...new Set([...prior.synonyms, ...synonyms])] });
    else if (synonyms.length) out.set(head, { senses, synonyms });
  };
  for (const raw of lines.slice(1)) {
    const line = raw.trimEnd();
    if (!line) continue;
    if (line.startsWith('(') || line.startsWith(' ')) {
      if (head === undefined) continue;
      senses++;
      const seen = new Set<string>();
      for (const item of line.split('|').slice(1)) {
        const s = item.trim().toLowerCase();
        if (!s || s === head || seen.has(s) || !SINGLE_WORD.test(s)) continue;
        seen.add(s);
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
    } else {
      flush();
      head = line.slice(0, line.lastIndexOf('|')).trim().toLowerCase();
      counts = new Map();
      senses = 0;
    }
  }
  flush();
  return out;
}

/** Merges several thesauri (the first's order first). */
export function mergeThesauri(parts: Array<Map<string, ThesaurusEntry>>): Map<string, ThesaurusEntry> {
  const out = new Map<string, ThesaurusEntry>();
  for (const part of parts) {
    for (const [w, e] of part) {
      const prior = out.get(w);
      out.set(w, prior ? { senses: Math.max(prior.senses, e.senses), synonyms: [...new Set([...prior.synonyms, ...e.synonyms])] } : e);
    }
  }
  return out;
}

/**
 * The thesaurus in the index's terms: each stem (lexeme) maps to its entries' synonyms' stems, strongest first,
 * with the most senses any of its entries has. `stem` gives a word's single lexeme (undefined: a stopword or several).
 */
export function stemThesaurus(th: Map<string, ThesaurusEntry>, stem: (w: string) => string | undefined, perEntry = 10): Map<string, ThesaurusEntry> {
  const out = new Map<string, { senses: number; rank: Map<string, number> }>();
  for (const [w, e] of th) {
    const s = stem(w);
    if (!s) continue;
    const slot = out.get(s) ?? out.set(s, { senses: 0, rank: new Map() }).get(s)!;
    slot.senses = Math.max(slot.senses, e.senses);
    e.synonyms.slice(0, perEntry).forEach((syn, i) => {
      const t = stem(syn);
      if (!t || t === s) return;
      slot.rank.set(t, Math.min(slot.rank.get(t) ?? Infinity, i));
    });
  }
  return new Map(
    [...out]
      .filter(([, v]) => v.rank.size > 0)
      .map(([s, v]) => [s, { senses: v.senses, synonyms: [...v.rank].sort((a, b) => a[1] - b[1]).map(([t]) => t) }]),
  );
}

/** Every word a thesaurus names (entries and their first `perEntry` synonyms): what has to be stemmed. */
export function thesaurusWords(th: Map<string, ThesaurusEntry>, perEntry = 10): string[] {
  const words = new Set<string>();
  for (const [w, e] of th) {
    words.add(w);
    for (const s of e.synonyms.slice(0, perEntry)) words.add(s);
  }
  return [...words];
}
