/** Titles taken from a document's own text; each parser falls back to the file name when these find none. */

/** Longest first line that can be a title. */
export const MAX_INFERRED_TITLE_CHARS = 120;

/** Ends a sentence or a clause (closing quotes and brackets after it allowed): such a line is body text. */
const SENTENCE_END = /[.!?…:;,]["'”’»)\]]*$/u;
const LIST_ITEM = /^([-*+•–]|\d+[.)])\s/u;
const STARTS_LOWERCASE = /^\p{Ll}/u;

/** One line, single spaces, no surrounding blanks. */
export function cleanTitle(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * The first line when it reads like a title: at most {@link MAX_INFERRED_TITLE_CHARS} characters with a letter, not ending in
 * sentence punctuation, not a list item, and followed by more text (a blank line, or a line that does not continue
 * it: one starting in lowercase is the rest of a wrapped sentence). A text of one line is all body: no title.
 */
export function firstLineTitle(text: string): string | undefined {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return undefined;
  const line = cleanTitle(lines[first]);
  const rest = lines.slice(first + 1);
  if (!rest.some((l) => l.trim() !== '')) return undefined;
  if (line.length > MAX_INFERRED_TITLE_CHARS || !/\p{L}/u.test(line)) return undefined;
  if (SENTENCE_END.test(line) || LIST_ITEM.test(line)) return undefined;
  const next = rest[0].trim();
  if (next !== '' && STARTS_LOWERCASE.test(next)) return undefined;
  return line;
}

/** Inline markdown reduced to its text: links and images to their label, emphasis and code marks dropped. */
export function markdownInlineText(s: string): string {
  return cleanTitle(
    s
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/(\*\*|__|~~|`)(.+?)\1/g, '$2')
      .replace(/(^|\W)[*_](\S(?:.*?\S)?)[*_](?=\W|$)/g, '$1$2'),
  );
}

const FENCE = /^ {0,3}(```|~~~)/;
const ATX = /^ {0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$/;
const SETEXT_H1 = /^ {0,3}=+\s*$/;
const SETEXT_H2 = /^ {0,3}-+\s*$/;
const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n(---|\.\.\.)\s*(\r?\n|$)/;

/**
 * A markdown document's title: `title:` in YAML front matter, else its first level-1 heading (`# Title` or a
 * `===` underline), else its first heading of any level, else its first line as {@link firstLineTitle} reads it.
 * Lines inside fenced code blocks are not headings (`# install` in a shell snippet).
 */
export function markdownTitle(text: string): string | undefined {
  const front = FRONT_MATTER.exec(text);
  if (front) {
    const t = /^title:\s*(.+?)\s*$/m.exec(front[1])?.[1]?.replace(/^(["'])(.*)\1$/, '$2');
    if (t && cleanTitle(t)) return cleanTitle(t);
  }
  const lines = (front ? text.slice(front[0].length) : text).replace(/\r\n?/g, '\n').split('\n');
  let fence: string | undefined;
  let firstHeading: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const f = FENCE.exec(line)?.[1];
    if (f && (!fence || f === fence)) {
      fence = fence ? undefined : f;
      continue;
    }
    if (fence) continue;
    const atx = ATX.exec(line);
    let level = 0;
    let heading = '';
    if (atx) [level, heading] = [atx[1].length, atx[2]];
    else if (line.trim() && !LIST_ITEM.test(line.trim()) && i + 1 < lines.length) {
      if (SETEXT_H1.test(lines[i + 1])) [level, heading] = [1, line];
      else if (SETEXT_H2.test(lines[i + 1]) && (i === 0 || lines[i - 1].trim() === '')) [level, heading] = [2, line];
    }
    const title = level ? markdownInlineText(heading) : '';
    if (!title) continue;
    if (level === 1) return title;
    firstHeading ??= title;
  }
  if (firstHeading) return firstHeading;
  if (FENCE.test(lines.find((l) => l.trim() !== '') ?? '')) return undefined; // it opens with code
  const first = firstLineTitle(lines.join('\n'));
  return first ? markdownInlineText(first) || undefined : undefined;
}

/** Titles that say nothing about the document: what word processors and exporters fill in by default. */
const PLACEHOLDER_TITLE =
  /^(untitled|sem t[íi]tulo|no title|title|t[íi]tulo|(documento?|doc|apresenta[çc][ãa]o|presentation|slide|planilha)\s*\d*|apresenta[çc][ãa]o do powerpoint|powerpoint presentation)$/i;
const EXPORTER_PREFIX = /^microsoft (word|powerpoint|excel) - /i;
const OFFICE_EXTENSION = /\.(docx?|pptx?|xlsx?|odt|rtf|pdf|txt)$/i;

/**
 * A title from document properties (PDF Info, .docx core properties), or undefined when it is a placeholder:
 * empty, "Untitled", "Documento1", "Apresentação do PowerPoint". "Microsoft Word - relatório.docx" keeps "relatório".
 */
export function propertiesTitle(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const t = cleanTitle(value.replace(EXPORTER_PREFIX, '').replace(OFFICE_EXTENSION, ''));
  if (!t || !/\p{L}/u.test(t) || PLACEHOLDER_TITLE.test(t)) return undefined;
  return t;
}
