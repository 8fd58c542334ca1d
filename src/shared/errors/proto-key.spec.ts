import { protoKeyPath } from './proto-key';

describe('protoKeyPath', () => {
  it('finds an own __proto__ key (as JSON.parse makes it) at any depth, inside arrays too, and names it', () => {
    expect(protoKeyPath(JSON.parse('{"__proto__":{"x":1}}'), 'metadata')).toBe('metadata.__proto__');
    expect(protoKeyPath(JSON.parse('{"a":{"b":[1,{"__proto__":null}]}}'), 'metadata')).toBe('metadata.a.b[1].__proto__');
    expect(protoKeyPath(JSON.parse('[{"__proto__":1}]'), '')).toBe('[0].__proto__');
  });

  it('accepts every other name, constructor and prototype included (kept as sent, as the JSON routes keep them)', () => {
    expect(protoKeyPath(JSON.parse('{"constructor":{"prototype":{"y":1}},"toString":"x","__proto":1}'), 'metadata')).toBeUndefined();
    expect(protoKeyPath('__proto__', 'metadata')).toBeUndefined();
  });

  it('walks a value nested far past http.json.maxDepth without recursion', () => {
    const deep = JSON.parse(`${'['.repeat(10_000)}{"__proto__":1}${']'.repeat(10_000)}`) as unknown;
    expect(protoKeyPath(deep, 'm')).toMatch(/^m(\[0\]){10000}\.__proto__$/);
  });
});
