import { AsyncLocalStorage } from 'node:async_hooks';
import { storage } from 'nestjs-pino/storage';

/**
 * The id of the HTTP request the current async context serves (the x-request-id every answer carries), read
 * from the request logger nestjs-pino keeps in its AsyncLocalStorage; undefined outside a request (jobs, boot).
 */
export function currentRequestId(): string | undefined {
  const logger = storage.getStore()?.logger;
  if (!logger) return undefined;
  const req = (logger.bindings() as { req?: { id?: unknown } }).req;
  return typeof req?.id === 'string' ? req.id : undefined;
}

/** The authenticated user of each request in flight, by the request's nestjs-pino store (one object per request). */
const requestUsers = new WeakMap<object, string>();
/** The user a background job runs for (runAsUser); none for a job nobody authenticated queued. */
const jobUser = new AsyncLocalStorage<{ userId?: string }>();

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
  const job = jobUser.getStore();
  if (job) return job.userId;
  const store = storage.getStore();
  return store ? requestUsers.get(store) : undefined;
}

/** Runs `work` (a job) for `userId`, the user whose request queued it (undefined: nobody's): currentUserId answers it inside. */
export function runAsUser<T>(userId: string | undefined, work: () => T): T {
  return jobUser.run({ userId }, work);
}
