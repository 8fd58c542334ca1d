export * from './logging.module';
export * from './request-context';
export * from './url-credentials';
