import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adviceKind, autoSharedBuffers, bufferCacheAdvice, directoryBytes, resolveBufferCache } from './buffer-cache';

const MB = 2 ** 20;
const GB = 2 ** 30;

describe('embedded buffer cache sizing', () => {
  it('auto: the data with room to grow, at least 256MB, at most a quarter of the memory and 1GB', () => {
    expect(autoSharedBuffers(0, 16 * GB)).toBe(256 * MB);
    expect(autoSharedBuffers(300 * MB, 16 * GB)).toBe(480 * MB); // x1.5, rounded up to 32MB
    expect(autoSharedBuffers(2 * GB, 16 * GB)).toBe(GB);
    expect(autoSharedBuffers(300 * MB, 1 * GB)).toBe(256 * MB); // a quarter of a 1GB container
    expect(autoSharedBuffers(0, 256 * MB)).toBe(128 * MB); // never below PGlite's own default
  });

  it('resolves auto from the data directory, and keeps a configured size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'acervo-cache-'));
    try {
      mkdirSync(join(dir, 'base', '1'), { recursive: true });
      writeFileSync(join(dir, 'base', '1', 'x'), Buffer.alloc(3 * MB));
      writeFileSync(join(dir, 'y'), Buffer.alloc(MB));
      expect(directoryBytes(dir)).toBe(4 * MB);
      expect(resolveBufferCache('auto', dir, 8 * GB)).toEqual({ setting: '256MB', bytes: 256 * MB, source: 'auto', dataBytes: 4 * MB, capBytes: GB, memoryLimitBytes: 8 * GB });
      expect(resolveBufferCache('512MB', dir, 8 * GB)).toMatchObject({ setting: '512MB', bytes: 512 * MB, source: 'configured' });
      expect(directoryBytes(join(dir, 'missing'))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells the operator when the data outgrows the cache, and when it outgrows embedded mode', () => {
    const auto = resolveBufferCache('auto', '/nonexistent', 4 * GB); // 256MB, cap 1GB
    expect(bufferCacheAdvice(auto, 200 * MB)).toBeUndefined();
    expect(bufferCacheAdvice(auto, 400 * MB)).toMatch(/grew to 400MB, past its 256MB buffer cache: restart/);
    expect(bufferCacheAdvice(auto, 1500 * MB)).toMatch(/more than the 1024MB buffer cache embedded mode can give.*DATABASE_URL/);
    expect([200, 400, 1500, 1900].map((mb) => adviceKind(auto, mb * MB))).toEqual([undefined, 'cache', 'embedded', 'embedded']);
    const fixed = resolveBufferCache('128MB', '/nonexistent', 4 * GB);
    expect(bufferCacheAdvice(fixed, 200 * MB)).toMatch(/raise it, or set it to auto/);
  });
});
