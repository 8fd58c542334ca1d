/** `key: value; key: value.` with empty values left out: a record read (and quoted) as one sentence. */
export function recordLine(v: Record<string, unknown>): string {
  const line = Object.entries(v)
    .filter(([, x]) => x !== null && x !== undefined && x !== '')
    .map(([k, x]) => `${k}: ${String(x).replace(/\s+/g, ' ').trim().replace(/[.;]$/, '')}`)
    .join('; ');
  return line ? `${line}.` : '';
}
