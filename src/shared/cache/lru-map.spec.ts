import { LruMap } from './lru-map';

describe('LruMap', () => {
  it('evicts the least recently used entry beyond its size, a read counting as a use', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1).set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('c', 3);
    expect([...m.keys()].sort()).toEqual(['a', 'c']);
    expect(m.get('b')).toBeUndefined();
  });
});
