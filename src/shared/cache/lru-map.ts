/**
 * A Map that keeps at most `max` entries, evicting the least recently read or written one. Map-shaped, so
 * it serves both as a plain bounded cache (query embeddings) and as the in-memory store under Keyv.
 */
export class LruMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    const value = super.get(key) as V;
    super.delete(key);
    super.set(key, value); // most recent last
    return value;
  }

  override set(key: K, value: V): this {
    if (super.has(key)) super.delete(key);
    super.set(key, value);
    while (this.size > this.max) this.delete(this.keys().next().value as K);
    return this;
  }
}
