// Public surface of the conversation module.
export { ConversationModule } from './conversation.module';
export { ChatHandler } from './application/chat/chat.handler';
export type { ChatCommand, ChatEvent, ChatResult } from './application/chat/chat.types';
export { SALES_REPOSITORY } from './application/ports/sales-repository.port';
export type { SalesRepository } from './application/ports/sales-repository.port';
export type { Sale } from './domain/sales';
export { generateSales } from './domain/sales-generator';
export { SeedSalesHandler } from './application/sales/seed-sales.handler';
export type { SeedSalesResult } from './application/sales/seed-sales.handler';
