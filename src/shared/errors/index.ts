export * from './domain-error';
export * from './problem-details.filter';
export * from './validation';
export * from './proto-key';
export * from './openai-error';
