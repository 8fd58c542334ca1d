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
