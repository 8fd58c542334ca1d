/**
 * What a user's message counts as. Blank: only white space (`\s`: spaces, tabs, line breaks, nbsp, BOM) or zero-width
 * characters (U+200B-U+200D, U+2060, U+FEFF), which show nothing either: a message of them ran the whole pipeline.
 * Its length: in characters as a person counts them (code points), not UTF-16 units ("😀" is one, not two).
 */
export const NOT_BLANK = /[^\s\u200B-\u200D\u2060\uFEFF]/;

export function isBlankMessage(message: string): boolean {
  return !NOT_BLANK.test(message);
}

export function messageLength(message: string): number {
  let n = 0;
  for (const _ of message) n++;
  return n;
}
