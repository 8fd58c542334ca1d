import { Worker } from 'node:worker_threads';
import { ParsedDocument } from '../../application/ports/parser.port';
import { DomainError } from '../../../../shared/errors/domain-error';
import { ParseAbandonedError, ParseBusyError, ParseOutOfMemoryError, ParseTimeoutError, UnreadableDocumentError } from '../../domain/ingestion.errors';
import type { ParseTask, ParseTaskError } from './parse-task';

export interface ParserPoolOptions {
  /** Worker threads at most, started when a file needs one (ingestion.parse.workers). */
  size: number;
  /** Wall-clock budget of one file from the moment it is queued, waiting included (ingestion.parse.timeoutMs). */
  timeoutMs: number;
  /** Heap of a worker (ingestion.parse.maxMemoryMb): past it the worker dies and the file is refused. */
  maxMemoryMb: number;
  /** Files waiting for a worker at most (ingestion.parse.maxQueued): past it a file is refused at once with a 503. */
  maxQueued: number;
  /**
   * Growth of the process's resident memory while a file is parsed, at most (derived from ingestion.parse.maxMemoryMb
   * and ingestion.limits.maxDecompressedBytes; undefined: not watched). pdf.js keeps decoded streams in ArrayBuffers,
   * outside the worker's heap limit (and a worker's ArrayBuffers are not in the app thread's memoryUsage().arrayBuffers),
   * so the pool samples rss every 50 ms: past it, the worker is terminated and the file refused with a 413.
   */
  maxRssGrowthBytes?: number;
}

const MEMORY_POLL_MS = 50;

/*
 * The worker's code, plain CommonJS run with `eval` (a worker cannot be given a .ts file under ts-jest, as in
 * shared/database/pglite-worker.ts). It requires parse-task: the compiled .js next to this file under dist/, or the
 * .ts source in tests, compiled as it is required with TypeScript's transpileModule (a devDependency, there only
 * when the sources are).
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.typescript) {
  const ts = require(workerData.typescript);
  const { readFileSync } = require('node:fs');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  require.extensions['.ts'] = (module, filename) =>
    module._compile(ts.transpileModule(readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions }).outputText, filename);
}
const { runParseTask, toTaskError } = require(workerData.module);
parentPort.on('message', async ({ id, task }) => {
  try {
    parentPort.postMessage({ id, docs: await runParseTask(task) });
  } catch (e) {
    parentPort.postMessage({ id, error: toTaskError(e) });
  }
});
`;

type Reply = { id: number; docs: ParsedDocument[] } | { id: number; error: ParseTaskError };

interface Job {
  id: number;
  task: ParseTask;
  resolve: (docs: ParsedDocument[]) => void;
  reject: (e: Error) => void;
  /** Date.now() past which the file is refused (queued at + timeoutMs). */
  deadline: number;
  /** Set when the file is queued: its budget counts its wait too, so a queue cannot hold a file longer than it. */
  timer?: NodeJS.Timeout;
  /** The worker parsing it, once it has one. */
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  job?: Job;
  /** process.memoryUsage.rss() when the worker took its file. */
  rssAtStart?: number;
  /** The error the worker reported before it exited (ERR_WORKER_OUT_OF_MEMORY...). */
  error?: Error & { code?: string };
}

/**
 * PDF and .docx parsing in worker threads, so pdf.js and mammoth never hold the app's event loop (a crafted file
 * held it 6-19 s). Workers start on the first file, one file each at a time, the rest queued (up to maxQueued, then
 * refused with a 503); a file past its time budget (counted from when it was queued: one that waited it out is refused
 * unparsed) or its heap budget has its worker terminated (a new one starts for the next file) and is refused with a 4xx.
 * Idle workers do not keep the process alive; close() ends them all (app.close()).
 */
export class ParserPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private memoryWatch?: NodeJS.Timeout;
  /** A worker stopped for its memory is still ending: its memory is not back yet. */
  private reclaiming = false;

  constructor(private readonly options: ParserPoolOptions) {}

  /**
   * Parses `task` in a worker. `signal` is the request's: when it aborts (the client closed the connection), the file
   * leaves the queue, or its worker is stopped, and the promise rejects with ParseAbandonedError: a file nobody waits
   * for no longer holds a parser or a place in the queue.
   */
  run(task: ParseTask, signal?: AbortSignal): Promise<ParsedDocument[]> {
    if (this.closed) return Promise.reject(new Error('the parser pool is closed'));
    if (signal?.aborted) return Promise.reject(new ParseAbandonedError(task.filename));
    const settled = new Promise<ParsedDocument[]>((resolve, reject) => {
      const job: Job = { id: this.nextId++, task, resolve, reject, deadline: Date.now() + this.options.timeoutMs };
      this.queue.push(job);
      this.dispatch();
      if (this.queue.length > this.options.maxQueued) {
        // no worker free and the queue full: the newest file is refused before it costs anything
        this.queue.pop();
        const { maxQueued, timeoutMs } = this.options;
        return reject(new ParseBusyError(task.filename, maxQueued, Math.max(1, Math.ceil(timeoutMs / 1000))));
      }
      // The timer, not the worker, keeps the process alive while a file waits or is parsed.
      job.timer = setTimeout(() => this.expire(job), this.options.timeoutMs);
      if (signal) {
        const abandon = () => this.abandon(job);
        signal.addEventListener('abort', abandon, { once: true });
        const done = () => signal.removeEventListener('abort', abandon);
        job.resolve = (docs) => (done(), resolve(docs));
        job.reject = (e) => (done(), reject(e));
      }
    });
    return settled;
  }

  /** Workers running now (started and not yet ended). */
  get size(): number {
    return this.slots.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.memoryWatch);
    this.memoryWatch = undefined;
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.timer);
      job.reject(new Error('the parser pool is closed'));
    }
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      clearTimeout(slot.job?.timer);
      slot.job?.reject(new Error('the parser pool is closed'));
      slot.job = undefined;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      // a file whose time ran out while it waited, or so nearly that it could not be parsed in what is left (a worker
      // freed by the timeout of the file before it, whose timer was set at about the same time), is refused as busy,
      // not started only to be stopped as too slow a moment later
      if (this.queue[0].deadline - Date.now() < Math.min(1000, this.options.timeoutMs / 4)) {
        this.expire(this.queue[0]);
        continue;
      }
      const slot = this.slots.find((s) => !s.job) ?? (this.slots.length < this.options.size ? this.spawn() : undefined);
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      job.slot = slot;
      const buffer = job.task.buffer;
      const copy = new Uint8Array(buffer.byteLength); // its own memory, handed over (an upload's Buffer may share a pool)
      copy.set(buffer);
      slot.worker.postMessage({ id: job.id, task: { ...job.task, buffer: copy } }, [copy.buffer]);
      slot.rssAtStart = process.memoryUsage.rss();
      if (this.options.maxRssGrowthBytes !== undefined) this.memoryWatch ??= setInterval(() => this.checkMemory(), MEMORY_POLL_MS).unref();
    }
  }

  /**
   * Every 50 ms while a file is parsed: past maxRssGrowthBytes over the rss its parse started at, the worker with the
   * earliest start is stopped (rss is process-wide: which worker grew it is not known) and its file is refused.
   */
  private checkMemory(): void {
    const busy = this.slots.filter((s) => s.job);
    if (busy.length === 0) {
      clearInterval(this.memoryWatch);
      this.memoryWatch = undefined;
      return;
    }
    if (this.reclaiming) return;
    const rss = process.memoryUsage.rss();
    const max = this.options.maxRssGrowthBytes ?? Infinity;
    const over = busy.filter((s) => rss - (s.rssAtStart ?? rss) > max).sort((a, b) => (a.rssAtStart ?? 0) - (b.rssAtStart ?? 0))[0];
    if (!over) return;
    this.reclaiming = true;
    const stopped = this.stop(over, new ParseOutOfMemoryError(over.job!.task.filename, this.options.maxMemoryMb));
    const reclaimed = () => {
      this.reclaiming = false;
      // what the stopped worker held may not all be returned: the others' parses are measured from here
      const now = process.memoryUsage.rss();
      for (const s of this.slots) if (s.job) s.rssAtStart = Math.max(s.rssAtStart ?? now, now);
    };
    stopped.then(reclaimed, reclaimed);
  }

  private spawn(): Slot {
    const module = require.resolve('./parse-task');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, typescript: module.endsWith('.ts') ? require.resolve('typescript') : undefined },
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxMemoryMb },
    });
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (reply: Reply) => this.onReply(slot, reply));
    worker.on('error', (e) => (slot.error = e));
    worker.on('exit', () => this.onExit(slot));
    this.slots.push(slot);
    return slot;
  }

  private onReply(slot: Slot, reply: Reply): void {
    const job = slot.job;
    if (!job || job.id !== reply.id) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    if ('docs' in reply) job.resolve(reply.docs);
    else job.reject(fromTaskError(reply.error));
    this.dispatch();
  }

  /** A worker that ended on its own (out of memory, a crash): its file is refused, the next file gets a new one. */
  private onExit(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return; // stopped or closed here
    this.slots.splice(index, 1);
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      const name = job.task.filename;
      job.reject(slot.error?.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new ParseOutOfMemoryError(name, this.options.maxMemoryMb) : new UnreadableDocumentError(name, `the parser stopped (${slot.error?.message ?? 'exited'})`));
    }
    this.dispatch();
  }

  /**
   * A file past its time budget: its worker stopped if it has one (422: the file took too long); refused unparsed if it
   * still waits (503: the parsers were busy with other files, nothing says this one is bad: retry).
   */
  private expire(job: Job): void {
    const waiting = this.queue.indexOf(job);
    if (waiting >= 0 || !job.slot) {
      if (waiting >= 0) this.queue.splice(waiting, 1);
      clearTimeout(job.timer);
      const { maxQueued, timeoutMs } = this.options;
      job.reject(new ParseBusyError(job.task.filename, maxQueued, Math.max(1, Math.ceil(timeoutMs / 1000)), timeoutMs));
    } else if (job.slot && job.slot.job === job) {
      void this.stop(job.slot, new ParseTimeoutError(job.task.filename, this.options.timeoutMs));
    }
  }

  /** The request of a file went away: the file leaves the queue, or its worker is stopped (a new one starts for the next). */
  private abandon(job: Job): void {
    const waiting = this.queue.indexOf(job);
    if (waiting >= 0) {
      this.queue.splice(waiting, 1);
      clearTimeout(job.timer);
      job.reject(new ParseAbandonedError(job.task.filename));
    } else if (job.slot && job.slot.job === job) {
      void this.stop(job.slot, new ParseAbandonedError(job.task.filename));
    }
  }

  /** Ends a worker still busy with a file past its budget, and refuses the file. */
  private stop(slot: Slot, reason: Error): Promise<number> {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    clearTimeout(slot.job?.timer);
    slot.job?.reject(reason);
    slot.job = undefined;
    const ended = slot.worker.terminate();
    this.dispatch();
    return ended;
  }
}

function fromTaskError(e: ParseTaskError): Error {
  return e.domain ? new DomainError(e.code, e.kind, e.message, e.details) : new Error(e.message);
}
