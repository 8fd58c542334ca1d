/**
 * Postgres text and jsonb cannot hold U+0000, so a NUL inside a title, a query or a metadata key or
 * value would fail the statement. Like the document text (whose normalization drops NUL), every such
 * string is stored and matched without it.
 */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '') : value) as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  }
  return value;
}
