export * from './long-operation-lane';
export * from './jobs.module';
