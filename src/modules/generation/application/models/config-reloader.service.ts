import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ConfigError, loadConfig } from '../../../../shared/config';
import { InvalidModelSpecError } from '../../domain/generation.errors';
import { LlmRegistry } from './llm-registry.service';

/**
 * POST /v1/admin/config/reload: re-reads the YAML (same profiles and environment as at boot) and, when
 * the LLM section changed, swaps through the registry (validated, probed, atomic). Other settings are
 * not hot-reloaded: they are reported so the operator knows a restart applies them.
 */
@Injectable()
export class ConfigReloader {
  private readonly logger = new Logger('ConfigReload');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly llms: LlmRegistry,
  ) {}

  async reload(): Promise<{ llm: 'unchanged' | string; restart_needed_for: string[] }> {
    let fresh: AppConfig;
    try {
      fresh = loadConfig();
    } catch (e) {
      if (e instanceof ConfigError) throw new InvalidModelSpecError(e.message, 'config');
      throw e;
    }
    let llm: 'unchanged' | string = 'unchanged';
    const before = JSON.stringify(this.config.generation.llm);
    if (JSON.stringify(fresh.generation.llm) !== before) {
      const l = fresh.generation.llm;
      const endpoint = l.provider === 'extractive' ? undefined : l[l.provider];
      const r = await this.llms.swap({
        provider: l.provider,
        model: endpoint?.model,
        options: { baseUrl: endpoint?.baseUrl, apiKey: endpoint?.apiKey, temperature: l.temperature, maxTokens: l.maxTokens },
      });
      Object.assign(this.config.generation.llm, fresh.generation.llm);
      llm = r.info.modelId;
    }
    const restart = (['app', 'database', 'ingestion', 'logging'] as const).filter((k) => JSON.stringify(fresh[k]) !== JSON.stringify(this.config[k]));
    this.logger.log(`config reloaded: llm ${llm}; restart needed for: ${restart.join(', ') || 'nothing'}`);
    return { llm, restart_needed_for: restart };
  }
}
