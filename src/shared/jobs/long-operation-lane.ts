/** A wait for the lane given up: the caller's signal aborted (the application is shutting down). */
export class LaneWaitAbortedError extends Error {
  constructor() {
    super('gave up waiting for the long-operation lane');
    this.name = 'LaneWaitAbortedError';
  }
}

interface Waiter {
  grant: (release: () => void) => void;
  reject: (e: Error) => void;
}

/**
 * The long-operation lane (issue 12): background ingest jobs and re-index jobs take a slot here, at most
 * `jobs.concurrency` at once per process, and never a request slot (http.backpressure counts requests only).
 * A long operation therefore neither starves queries of the request lane nor runs unbounded beside them.
 * Concurrency 0 pauses the lane: operations wait until the process stops.
 * The same first-come-first-served gate serves the answers (generation.ask.concurrency, AskHandler).
 */
export class LongOperationLane {
  private running = 0;
  private readonly waiters: Waiter[] = [];

  /** `limit`: a number, or read at each acquire and release (a setting a config reload changes). */
  constructor(private readonly limit: number | (() => number)) {}

  get concurrency(): number {
    return typeof this.limit === 'number' ? this.limit : this.limit();
  }

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** A slot at once, or undefined when the lane is full (a job dispatcher claims work only with a slot in hand). */
  tryAcquire(): (() => void) | undefined {
    // a limit raised since the last release admits the earlier waiters first
    this.admit();
    if (this.waiters.length || this.running >= this.concurrency) return undefined;
    this.running++;
    return this.releaser();
  }

  /** Waits for a slot (first come, first served); rejects with LaneWaitAbortedError when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    if (signal?.aborted) return Promise.reject(new LaneWaitAbortedError());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new LaneWaitAbortedError());
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Runs `work` in a slot, released however it ends. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await work();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.admit();
    };
  }

  /**
   * Free slots go to the waiters, in order (a tryAcquire cannot overtake them): one, or more when the limit was
   * raised meanwhile, or none when it was lowered.
   */
  private admit(): void {
    while (this.waiters.length && this.running < this.concurrency) {
      this.running++;
      this.waiters.shift()!.grant(this.releaser());
    }
  }
}
