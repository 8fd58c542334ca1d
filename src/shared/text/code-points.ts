/**
 * The first `max` code points of `text`: a character outside the BMP (an emoji, a surrogate pair in UTF-16) is kept
 * whole or left out, never cut in half into a lone surrogate. Reads no further than the cut.
 */
export function firstCodePoints(text: string, max: number): string {
  let units = 0;
  let count = 0;
  for (const ch of text) {
    if (count++ === max) return text.slice(0, units);
    units += ch.length;
  }
  return text;
}
