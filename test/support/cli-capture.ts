import { PassThrough } from 'node:stream';
import type { IngestCliIo } from '../../src/cli/ingest.command';

/** What runIngestCli wrote, read back; the io to give it (a terminal when `isTTY`). */
export interface Captured {
  io: IngestCliIo;
  stdout(): Promise<string>;
  stderr(): Promise<string>;
}

/** An IngestCliIo over two in-memory streams, their text read once the pending writes have landed. */
export function capture(isTTY = false): Captured {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (isTTY) Object.assign(stdout, { isTTY: true, columns: 120 });
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const settled = () => new Promise((r) => setImmediate(r));
  return {
    io: { stdout, stderr, isTTY },
    stdout: async () => (await settled(), out),
    stderr: async () => (await settled(), err),
  };
}
