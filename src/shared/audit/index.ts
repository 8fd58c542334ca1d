export * from './audit.module';
export * from './audit.recorder';
export * from './audited.decorator';
