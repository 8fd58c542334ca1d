export * from './problem.dto';
export * from './admin-key.guard';
export * from './json-body.interceptor';
export * from './json-input.guard';
export * from './load-shedding';
export * from './graceful-shutdown';
