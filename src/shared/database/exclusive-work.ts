/**
 * Work that holds the embedded database's one session for minutes (a vector index build): while it runs, the
 * background pollers (the vacuum timer, the job queue's claims, the shared-state reader) skip their turns instead of
 * waiting for the connection until the pool's timeout and logging a warning each. Nothing is skipped for good: each
 * poller runs again on its next turn after the work ends.
 */
export class ExclusiveWork {
  private readonly running = new Map<number, string>();
  private next = 0;

  /** Marks `what` as running until the returned call (once). */
  begin(what: string): () => void {
    const id = this.next++;
    this.running.set(id, what);
    return () => void this.running.delete(id);
  }

  /** What is running, if anything (the first begun). */
  get active(): string | undefined {
    return this.running.values().next().value;
  }
}
