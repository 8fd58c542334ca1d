import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../shared/config';
import { HealthRegistry } from '../../shared/health';
import { MetricsModule } from '../metrics';
import { RetrievalModule } from '../retrieval';
import { AskHandler } from './application/ask/ask.handler';
import { CachedAskHandler } from './application/ask/cached-ask.handler';
import { ConfigReloader } from './application/models/config-reloader.service';
import { LLM_FACTORY, LlmRegistry, LlmSpec } from './application/models/llm-registry.service';
import { SharedModels } from './application/models/shared-models.service';
import { createLlm } from './infrastructure/llm/llm.factory';
import { AskController } from './interface/http/ask.controller';
import { ModelsController } from './interface/http/models.controller';
import { ConfigFileWatcher } from './interface/watch/config-file.watcher';

/** Builds the registry's first provider and registers the LLM readiness check. */
class GenerationBootstrap implements OnModuleInit {
  constructor(
    private readonly llms: LlmRegistry,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.llms.init();
    this.health.register({ name: 'llm', check: () => this.llms.health() });
  }
}

@Module({
  imports: [RetrievalModule, MetricsModule],
  controllers: [AskController, ModelsController],
  providers: [
    { provide: LLM_FACTORY, inject: [APP_CONFIG], useFactory: (config: AppConfig) => (spec?: LlmSpec) => createLlm(config, spec) },
    LlmRegistry,
    AskHandler,
    CachedAskHandler,
    ConfigReloader,
    SharedModels,
    GenerationBootstrap,
    ConfigFileWatcher,
  ],
  exports: [AskHandler, LlmRegistry],
})
export class GenerationModule {}
