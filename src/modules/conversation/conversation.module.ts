import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../shared/config';
import { GenerationModule } from '../generation';
import { MetricsModule } from '../metrics';
import { RetrievalModule } from '../retrieval';
import { ChatHandler } from './application/chat/chat.handler';
import { ConversationQueries } from './application/conversations/conversation-queries.handler';
import { SeedSalesHandler } from './application/sales/seed-sales.handler';
import { CONVERSATION_STORE } from './application/ports/conversation-store.port';
import { MARKET_QUOTES } from './application/ports/market-quotes.port';
import { SALES_REPOSITORY } from './application/ports/sales-repository.port';
import { Tool, TOOLS } from './application/ports/tool.port';
import { KnowledgeBaseTool } from './application/tools/knowledge-base.tool';
import { MarketDataTool } from './application/tools/market-data.tool';
import { SalesDataTool } from './application/tools/sales-data.tool';
import { AwesomeApiMarketQuotes } from './infrastructure/market/awesomeapi.market-quotes';
import { PgConversationStore } from './infrastructure/persistence/pg-conversation.store';
import { PgSalesRepository } from './infrastructure/sales/pg-sales.repository';
import { AdminSalesController } from './interface/http/admin-sales.controller';
import { ChatController } from './interface/http/chat.controller';
import { ConversationsController } from './interface/http/conversations.controller';
import { OpenAiCompatController } from './interface/http/openai-compat.controller';
import { ChatGateway } from './interface/ws/chat.gateway';

/** Owns conversation memory, the agent and its tools; it calls retrieval, generation and metrics through their index.ts. */
@Module({
  imports: [RetrievalModule, GenerationModule, MetricsModule],
  // OpenAiCompatController first: its `chat/completions` must not be shadowed by anything under `chat`.
  controllers: [OpenAiCompatController, ChatController, ConversationsController, AdminSalesController],
  providers: [
    { provide: CONVERSATION_STORE, useClass: PgConversationStore },
    { provide: SALES_REPOSITORY, useClass: PgSalesRepository },
    {
      provide: MARKET_QUOTES,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new AwesomeApiMarketQuotes(config.conversation.tools.market_data),
    },
    KnowledgeBaseTool,
    SalesDataTool,
    MarketDataTool,
    {
      // The tools the agent may use: each enabled or disabled in conversation.tools.<name>.enabled.
      provide: TOOLS,
      inject: [APP_CONFIG, KnowledgeBaseTool, SalesDataTool, MarketDataTool],
      useFactory: (config: AppConfig, ...tools: Tool[]): Tool[] =>
        tools.filter((t) => config.conversation.tools[t.definition.name as keyof AppConfig['conversation']['tools']].enabled),
    },
    ChatHandler,
    ConversationQueries,
    SeedSalesHandler,
    ChatGateway,
  ],
  exports: [ChatHandler, SeedSalesHandler],
})
export class ConversationModule {}
