import { sentences } from './lexical';

export type LineKind = 'heading' | 'question' | 'fragment' | 'text';

/**
 * What a line (or sentence) of a document is: a heading (Markdown, bold line, numbered section title, a
 * short capitalized line without punctuation), a question line (FAQ), a fragment (an aside in
 * parentheses, or the tail of a sentence cut by the start of a chunk) or text.
 */
export function lineKind(text: string, cutBefore: boolean): LineKind {
  const t = text.trim();
  if (/^#{1,6}\s/.test(t) || /^\*\*[^*]+\*\*:?$/.test(t)) return 'heading';
  if (/\?["')\]]*$/.test(t)) return 'question';
  // an aside wholly in parentheses ("(cópia adaptada pelo Administrativo)") answers nothing
  if (/^\([^()]*\)\.?$/.test(t)) return 'fragment';
  // a passage cut in the middle of a sentence starts with its tail (lowercase, or mid-word)
  // ("campo: valor" lines of a table or record start lowercase and are whole)
  if (cutBefore && /^\p{Ll}/u.test(t) && !/^[\p{L}_ ]{1,30}:\s/u.test(t)) return 'fragment';
  // a numbered section title ("2.2 Festa de 10 anos da Vértice")
  if (/^\d+(?:\.\d+)*\.?\s+\p{Lu}/u.test(t) && t.split(/\s+/).length <= 10 && !/[.!;:,]$/.test(t)) return 'heading';
  const bullet = /^(?:[-*•]|\d{1,2}[.)])\s/.test(t);
  const count = t.split(/\s+/).length;
  if (!bullet && count <= 8 && !/[.!;:,]$/.test(t) && !/\d/.test(t) && !t.includes(':') && /^\p{Lu}/u.test(t)) return 'heading';
  return 'text';
}

/** A line with no letter or digit: a rule ("=====", "-----") or blank space, layout rather than a line of text. */
export function isLayout(text: string): boolean {
  return !/[\p{L}\p{N}]/u.test(text);
}

/** A heading is written without its Markdown marks ("## Férias" is "Férias"). */
const cleanHeading = (t: string) => t.replace(/^#{1,6}\s+/, '').replace(/^\*\*([^*]+)\*\*:?$/, '$1').trim();

/**
 * For each offset of `text` (ascending; a smaller one after a larger gets the larger's answer), the heading the text there sits under: the last heading line
 * before it (consecutive heading and FAQ question lines read as one), when at most `maxLines` lines of
 * text lie between them; further down, a heading no longer says what a line is about.
 */
export function headingsAt(text: string, offsets: number[], maxLines = 6): Array<string | undefined> {
  const lines = sentences(text);
  const out: Array<string | undefined> = [];
  let heading: string[] = [];
  let previous: LineKind = 'text';
  let below = 0;
  let end = 0;
  let i = 0;
  for (const at of offsets) {
    for (; i < lines.length && lines[i].start < at; i++) {
      const s = lines[i];
      // rules ("=====", "-----") frame headings in plain text: they are layout, not lines
      if (isLayout(s.text)) continue;
      const newLine = i === 0 || text.slice(end, s.start).includes('\n');
      end = s.start + s.text.length;
      const kind = lineKind(s.text, false);
      if (kind === 'heading' || kind === 'question') {
        heading = previous === 'heading' ? [...heading, cleanHeading(s.text)] : [cleanHeading(s.text)];
        previous = 'heading';
        below = 0;
      } else {
        previous = kind;
        if (newLine) below++;
      }
    }
    // a chunk that opens with a heading (past rules and blank lines) is under its own, not the section before
    let k = i;
    while (k < lines.length && isLayout(lines[k].text)) k++;
    const opening = k < lines.length && isLayout(text.slice(at, lines[k].start)) ? lineKind(lines[k].text, false) : 'text';
    const opensWithHeading = opening === 'heading' || opening === 'question';
    out.push(heading.length && below <= maxLines && !opensWithHeading ? heading.join(' ').slice(0, 300) : undefined);
  }
  return out;
}
