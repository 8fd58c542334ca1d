import { timeOrderedUuid } from './index';

describe('timeOrderedUuid', () => {
  it('gives RFC 9562 version 7 UUIDs carrying the time, each one sorting after the one before', () => {
    const before = Date.now();
    const ids = Array.from({ length: 10_000 }, () => timeOrderedUuid());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // (10,000 in a few milliseconds: many share one, and still come out in order)
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const ms = parseInt(ids[0].replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });
});
