export * from './shared-state';
export * from './replicas.module';
