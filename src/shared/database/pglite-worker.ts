import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Where Postgres wire-protocol messages are executed: something that can run a batch of frontend messages and
 * stream back the backend's bytes, and that can be stopped (gracefully or at once).
 */
export interface ProtocolEngine {
  /** Runs complete frontend messages (or one startup packet) and streams the backend's answer to `onData`. */
  exec(messages: Uint8Array, onData: (chunk: Uint8Array) => void): Promise<void>;
  /** Stops it at once, even mid-statement (a pending exec rejects). */
  kill(): Promise<void>;
  /** Closes the database cleanly (checkpoint), then stops. */
  close(): Promise<void>;
  /** Called once if it dies on its own (crash, exit) rather than through kill() or close(). */
  onExit(listener: (reason: string) => void): void;
}

export interface PgliteWorkerOptions {
  /** PGlite's data directory. */
  dataDir: string;
  /** Postgres `shared_buffers` (e.g. `128MB`); PGlite's default when unset. */
  sharedBuffers?: string;
}

/*
 * The worker's code, plain CommonJS run with `eval` (a .ts file could not be loaded by a worker under ts-jest).
 * PGlite runs Postgres synchronously: in its own thread, a long statement no longer blocks the app's event
 * loop, and the thread can be terminated mid-statement (a statement timeout that really cancels).
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
let db;
const send = (id, chunk) => {
  const copy = new Uint8Array(chunk); // PGlite reuses its output buffer
  parentPort.postMessage({ type: 'data', id, data: copy }, [copy.buffer]);
};
parentPort.on('message', async (m) => {
  if (m.type === 'exec') {
    try {
      // Always the streaming call: it sets the output callback, which PGlite keeps for later calls (an
      // execProtocolRaw after it would stream to the previous caller and return nothing), startup packets included.
      await db.execProtocolRawStream(m.data, { onRawData: (chunk) => send(m.id, chunk) });
      parentPort.postMessage({ type: 'done', id: m.id });
    } catch (e) {
      parentPort.postMessage({ type: 'failed', id: m.id, message: String((e && e.message) || e) });
    }
  } else if (m.type === 'close') {
    try {
      if (db && !db.closed) await db.close();
    } finally {
      parentPort.postMessage({ type: 'closed' });
    }
  }
});
(async () => {
  const { PGlite } = require(workerData.modules.pglite);
  const { vector } = require(workerData.modules.vector);
  const { unaccent } = require(workerData.modules.unaccent);
  const startParams = [...PGlite.defaultStartParams];
  if (workerData.sharedBuffers) startParams.push('-c', 'shared_buffers=' + workerData.sharedBuffers);
  const { pgliteWasmModule, initdbWasmModule, fsBundle } = workerData.wasm;
  db = await PGlite.create({
    dataDir: workerData.dataDir,
    extensions: { vector, unaccent },
    startParams,
    pgliteWasmModule,
    initdbWasmModule,
    fsBundle: new Blob([fsBundle]),
  });
})().then(
  () => parentPort.postMessage({ type: 'ready' }),
  (e) => parentPort.postMessage({ type: 'startFailed', message: String((e && e.stack) || e) }),
);
`;

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'startFailed'; message: string }
  | { type: 'data'; id: number; data: Uint8Array }
  | { type: 'done'; id: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'closed' };

/**
 * PGlite's WebAssembly, compiled once per process and handed to every worker: a restart after a fault then
 * takes about half a second instead of one and a half.
 */
let compiled: Promise<{ pgliteWasmModule: WebAssembly.Module; initdbWasmModule: WebAssembly.Module; fsBundle: Buffer }> | undefined;
function compiledPglite() {
  compiled ??= (async () => {
    const dist = dirname(require.resolve('@electric-sql/pglite'));
    const [pglite, initdb, fsBundle] = await Promise.all(['pglite.wasm', 'initdb.wasm', 'pglite.data'].map((f) => readFile(join(dist, f))));
    return { pgliteWasmModule: await WebAssembly.compile(pglite), initdbWasmModule: await WebAssembly.compile(initdb), fsBundle };
  })().catch((e) => {
    compiled = undefined;
    throw e;
  });
  return compiled;
}

/** Thrown by exec() when PGlite itself failed (not an SQL error, which is an ErrorResponse in the stream). */
export class EngineFailure extends Error {}

/** PGlite (Postgres in WASM) with pgvector and unaccent, in a worker thread of this process. */
export class PgliteWorker implements ProtocolEngine {
  private nextId = 1;
  private pending?: { id: number; onData: (chunk: Uint8Array) => void; resolve: () => void; reject: (e: Error) => void };
  private closing?: () => void;
  private stopped = false;
  private exitListener?: (reason: string) => void;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    worker.on('error', (e) => this.died(`worker error: ${e.message}`));
    worker.on('exit', (code) => this.died(`worker exited with code ${code}`));
  }

  static async start(options: PgliteWorkerOptions): Promise<PgliteWorker> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        dataDir: options.dataDir,
        sharedBuffers: options.sharedBuffers,
        wasm: await compiledPglite(),
        modules: {
          pglite: require.resolve('@electric-sql/pglite'),
          vector: require.resolve('@electric-sql/pglite-pgvector'),
          unaccent: require.resolve('@electric-sql/pglite/contrib/unaccent'),
        },
      },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type !== 'ready' && m.type !== 'startFailed') return;
        cleanup();
        if (m.type === 'ready') resolve();
        else void worker.terminate().finally(() => reject(new Error(`PGlite did not start: ${m.message}`)));
      };
      const onExit = (code: number) => (cleanup(), reject(new Error(`PGlite's worker exited with code ${code} while starting`)));
      const onError = (e: Error) => (cleanup(), reject(e));
      const cleanup = () => (worker.off('message', onMessage), worker.off('exit', onExit), worker.off('error', onError));
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      worker.on('error', onError);
    });
    return new PgliteWorker(worker);
  }

  exec(messages: Uint8Array, onData: (chunk: Uint8Array) => void): Promise<void> {
    if (this.stopped) return Promise.reject(new EngineFailure('the database engine is stopped'));
    if (this.pending) return Promise.reject(new Error('PgliteWorker runs one batch at a time'));
    const id = this.nextId++;
    // a buffer of its own (a Buffer may be a slice of a shared pool), handed over without a copy
    const data = new Uint8Array(messages.byteLength);
    data.set(messages);
    return new Promise<void>((resolve, reject) => {
      this.pending = { id, onData, resolve, reject };
      this.worker.postMessage({ type: 'exec', id, data }, [data.buffer]);
    });
  }

  async kill(): Promise<void> {
    this.stopped = true;
    this.fail(new EngineFailure('the database engine was stopped'));
    await this.worker.terminate();
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.fail(new EngineFailure('the database engine is closing'));
    const closed = new Promise<void>((resolve) => (this.closing = resolve));
    this.worker.postMessage({ type: 'close' });
    // a clean close checkpoints; a worker stuck in a statement is stopped after a while
    await Promise.race([closed, new Promise((r) => setTimeout(r, 30_000).unref())]);
    await this.worker.terminate();
  }

  onExit(listener: (reason: string) => void): void {
    this.exitListener = listener;
  }

  private onMessage(m: WorkerMessage): void {
    if (m.type === 'closed') return this.closing?.();
    if (!('id' in m) || m.id !== this.pending?.id) return;
    const pending = this.pending;
    if (m.type === 'data') return pending.onData(m.data);
    this.pending = undefined;
    if (m.type === 'done') pending.resolve();
    else pending.reject(new EngineFailure(m.message));
  }

  private fail(e: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(e);
  }

  private died(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.fail(new EngineFailure(`the database engine died: ${reason}`));
    void this.worker.terminate();
    this.exitListener?.(reason);
  }
}
