export * from './problem.dto';
export * from './admin-key.guard';
