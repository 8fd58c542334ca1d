import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long CPU work on the request thread may run before it lets the other requests' callbacks in. */
export const LOOP_SLICE_MS = 10;

let sliceStart: number | undefined;

/**
 * Cooperative slicing of long CPU work on the request thread (chunking and embedding a large document: 0.5-0.7 s
 * in one piece for 300 KB, during which every other request waited; docs/BENCHMARKS.md, issue 13 session 10).
 * Call it between units of work: it returns undefined while this turn of the event loop has run for less than
 * LOOP_SLICE_MS since its first call, and otherwise a promise that resolves on the next turn, after the I/O
 * callbacks and timers that were waiting. Callers within one stretch of the turn share its slice; a caller resumed
 * from a pause starts a new one.
 *
 *   const pause = yieldIfLong();
 *   if (pause) await pause;
 */
export function yieldIfLong(): Promise<void> | undefined {
  const now = performance.now();
  if (sliceStart === undefined) {
    sliceStart = now;
    // runs once this turn's task and its microtasks are done (before any continuation queued after it)
    setImmediate(() => (sliceStart = undefined));
    return undefined;
  }
  // a caller that waited resumes with a slice of its own: two long jobs take turns instead of the first to resume
  // taking every slice while the other does one unit per turn
  return now - sliceStart < LOOP_SLICE_MS ? undefined : nextTurn().then(freshSlice);
}

function freshSlice(): void {
  sliceStart = undefined;
}
