import { withoutNul } from './nul';

describe('withoutNul', () => {
  it('drops U+0000 from strings, array items, object keys and nested values, and keeps everything else', () => {
    const date = new Date(0);
    expect(withoutNul({ 'a\u0000b': ['x\u0000', 1, true, null], n: { 'k\u0000': 'v\u0000v' }, date })).toEqual({
      ab: ['x', 1, true, null],
      n: { k: 'vv' },
      date,
    });
    expect(withoutNul('\u0000')).toBe('');
    expect(withoutNul(undefined)).toBeUndefined();
  });
});
