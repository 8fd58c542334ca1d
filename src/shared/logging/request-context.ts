import { AsyncLocalStorage } from 'node:async_hooks';
import { storage } from 'nestjs-pino/storage';

/**
 * The id of the HTTP request the current async context serves (the x-request-id every answer carries), read
 * from the request logger nestjs-pino keeps in its AsyncLocalStorage; undefined outside a request (jobs, boot).
 */
export function currentRequestId(): string | undefined {
  const actor = actors.getStore();
  // a job's, or a turn's run outside an HTTP request (a WebSocket message): its own id, not the waking request's
  if (actor) return actor.requestId;
  const logger = storage.getStore()?.logger;
  if (!logger) return undefined;
  const req = (logger.bindings() as { req?: { id?: unknown } }).req;
  return typeof req?.id === 'string' ? req.id : undefined;
}

/** The authenticated user of each request in flight, by the request's nestjs-pino store (one object per request). */
const requestUsers = new WeakMap<object, string>();
/** Who the current work runs for (runAsUser, iterateAs): a job's user, or a chat turn's; none for a job nobody authenticated queued. */
const actors = new AsyncLocalStorage<{ userId?: string; requestId?: string; jobId?: string }>();

/**
 * Marks the HTTP request the current async context serves as made by `userId`: the access module's AuthGuard, once
 * the credential is verified. Rows recorded later in the request (its embedding calls) read it with currentUserId.
 */
export function setRequestUser(userId: string | undefined): void {
  const store = storage.getStore();
  if (store && userId) requestUsers.set(store, userId);
}

/**
 * Who the current work is for: inside a job, the user that queued it (a job may run in the async context of whichever
 * request woke the worker up: that request's user is not the job's); else the request's authenticated user.
 */
export function currentUserId(): string | undefined {
  const actor = actors.getStore();
  if (actor) return actor.userId;
  const store = storage.getStore();
  return store ? requestUsers.get(store) : undefined;
}

/**
 * Runs `work` (a job) for `userId`, the user whose request queued it (undefined: nobody's): currentUserId answers it
 * inside, and currentRequestId `requestId` (undefined: none, not the id of whichever request woke the worker up).
 */
export function runAsUser<T>(userId: string | undefined, work: () => T, requestId?: string, jobId?: string): T {
  return actors.run({ userId, requestId, jobId }, work);
}

/** The queued job the current work runs (runAsUser's `jobId`): a run of it after a crash is the same job, not another writer. */
export function currentJobId(): string | undefined {
  return actors.getStore()?.jobId;
}

/**
 * `source`'s items, each produced for `userId` and `requestId` (runAsUser): an async generator's body runs in the
 * context of whoever calls next(), so a chat turn read by an SSE writer or a WebSocket loop is attributed this way,
 * including its last steps when the reader stops early (return()).
 */
export async function* iterateAs<T>(userId: string | undefined, requestId: string | undefined, source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const r = await runAsUser(userId, () => it.next(), requestId);
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!done) await runAsUser(userId, async () => it.return?.(), requestId);
  }
}
