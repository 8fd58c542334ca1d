import { firstCodePoints } from './code-points';

describe('firstCodePoints', () => {
  it('counts code points, not UTF-16 units: a pair at the cut is kept whole, never split into a lone surrogate', () => {
    const id = 'a'.repeat(99) + '😀' + 'b'.repeat(10);
    expect(id.slice(0, 100)).toMatch(/\uD83D$/); // what a cut at 100 UTF-16 units leaves
    expect(firstCodePoints(id, 100)).toBe('a'.repeat(99) + '😀');
    expect(firstCodePoints('😀'.repeat(150), 100)).toBe('😀'.repeat(100));
    expect(firstCodePoints('joão', 100)).toBe('joão');
    expect(firstCodePoints('abc', 2)).toBe('ab');
    expect(firstCodePoints('', 100)).toBe('');
  });
});
