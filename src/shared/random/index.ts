import { randomBytes, randomInt } from 'node:crypto';

/**
 * mulberry32: a tiny seeded PRNG, returns numbers in [0, 1). Deterministic data for the benchmarks'
 * synthetic corpus and schedule, and for tests; not for anything that needs unpredictability.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let lastMs = 0;
let sequence = 0;

/**
 * A UUIDv7 (RFC 9562): the Unix time in milliseconds, then a sequence within that millisecond (12 bits, from a random
 * start, carried into the next millisecond when it runs out), then 62 random bits. Ids made one after the other
 * sort in that order, so the rows keyed by them go to the same end of a btree instead of random pages all over it:
 * a batch's postings (one per chunk and lexeme, keyed by lexeme then chunk) landed on a few thousand scattered index
 * pages at 100k chunks, and the postings trigger took 2.5-4x as long as with these (docs/BENCHMARKS.md, issue 13,
 * session 13). As unique as a random UUID; the time it tells is the id's only meaning, and nothing reads it.
 */
export function timeOrderedUuid(): string {
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    sequence = randomInt(0, 0x800);
  } else {
    ms = lastMs;
    if (++sequence > 0xfff) {
      ms = ++lastMs;
      sequence = 0;
    }
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
