/**
 * The one rule for a key named `__proto__` in free-form JSON (document metadata, filters): refused wherever it sits.
 * JSON.parse makes it an own key, but any later Object.assign, spread into a literal's target or lodash merge of
 * the stored value would set a prototype. Plain TS (the ingest CLI checks --metadata without loading Nest).
 */
export const PROTO_KEY = '__proto__';
export const PROTO_KEY_MESSAGE = 'a key named __proto__ is not accepted';

/**
 * Where the first `__proto__` key of a parsed JSON value is (`metadata.a.__proto__`), or undefined. Walked with an
 * explicit stack, so a value nested past http.json.maxDepth (a CLI argument has no such limit) costs a loop.
 */
export function protoKeyPath(value: unknown, root: string): string | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: root }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}[${i}]` });
      continue;
    }
    const keys = Object.keys(v);
    for (const key of keys) if (key === PROTO_KEY) return path ? `${path}.${key}` : key;
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push({ value: (v as Record<string, unknown>)[keys[i]], path: path ? `${path}.${keys[i]}` : keys[i] });
    }
  }
  return undefined;
}
