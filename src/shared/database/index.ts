export * from './database.module';
export * from './embedded-postgres';
export * from './transaction';
export { hnswIndexName, hnswIndexSql, slotColumns, type VectorSlot, DEFAULT_INDEX_DIMENSION } from './migrations/1763700000000-init-schema';
export { EmbeddedVacuum, type VacuumRun } from './embedded-vacuum';
export { ExclusiveWork } from './exclusive-work';
