export * from './problem.dto';
export * from './admin-key.guard';
export * from './client-errors';
export * from './json-body.interceptor';
export * from './json-input.guard';
export * from './load-shedding';
export { clientAbortSignal, sendSse } from './sse';
export * from './graceful-shutdown';
export * from './principal';
