import { EmbedderFailedError } from '../../domain/retrieval.errors';

/** Converts provider output to unit-length Float32Arrays and checks the dimension. */
export function toUnitVectors(provider: string, rows: ArrayLike<number>[], expected: number | undefined, count: number): Float32Array[] {
  if (rows.length !== count) throw new EmbedderFailedError(provider, `expected ${count} vectors, got ${rows.length}`);
  return rows.map((row) => {
    if (expected !== undefined && row.length !== expected) {
      throw new EmbedderFailedError(provider, `returned ${row.length}-d vectors but ${expected} were configured`);
    }
    const v = Float32Array.from(row);
    let n = 0;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) throw new EmbedderFailedError(provider, 'returned a vector with non-finite values');
      n += v[i] * v[i];
    }
    if (n > 0) {
      const inv = 1 / Math.sqrt(n);
      for (let i = 0; i < v.length; i++) v[i] *= inv;
    }
    return v;
  });
}

/** Error text from an SDK, without anything that looks like a credential. */
export function safeMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/(sk|gsk|hf)[-_][A-Za-z0-9_-]{6,}/g, '[REDACTED]').replace(/Bearer\s+\S+/gi, 'Bearer [REDACTED]').slice(0, 500);
}

/** Maps an SDK error to the domain: timeouts to 504, everything else the provider did to 502. */
export function providerError(provider: string, e: unknown): Error {
  if (e instanceof EmbedderFailedError) return e;
  const msg = safeMessage(e);
  const name = e instanceof Error ? e.name : '';
  const timedOut = /timeout|timed out|aborted/i.test(`${name} ${msg}`);
  return new EmbedderFailedError(provider, msg, timedOut ? 'timeout' : 'bad_gateway');
}
