export * from './check-digits';
export * from './pii-detector';
export * from './pseudonymizer';
export * from './log-masking';
