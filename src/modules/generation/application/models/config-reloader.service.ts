import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ConfigError, loadConfig } from '../../../../shared/config';
import { EmbedderAdminService } from '../../../retrieval';
import { InvalidModelSpecError } from '../../domain/generation.errors';
import { LlmRegistry } from './llm-registry.service';

/**
 * POST /v1/admin/config/reload: re-reads the YAML (same profiles and environment as at boot) and applies
 * model changes the way the admin endpoints do: a changed LLM section swaps through the registry
 * (validated, probed, atomic); a changed embedder section swaps the embedder and re-indexes collections in
 * the background (zero downtime). Other settings are not hot-reloaded: they are reported so the operator
 * knows a restart applies them.
 */
@Injectable()
export class ConfigReloader {
  private readonly logger = new Logger('ConfigReload');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly llms: LlmRegistry,
    private readonly embedders: EmbedderAdminService,
  ) {}

  async reload(): Promise<{
    llm: 'unchanged' | string;
    embedder: 'unchanged' | { model: string; reindex_jobs: string[] };
    applied: string[];
    restart_needed_for: string[];
  }> {
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
      // The factory reads the live config: put the new section in place, and restore it if the swap fails.
      const previous = JSON.parse(before) as AppConfig['generation']['llm'];
      Object.assign(this.config.generation.llm, fresh.generation.llm);
      const l = fresh.generation.llm;
      const endpoint = l.provider === 'extractive' ? undefined : l[l.provider];
      try {
        const r = await this.llms.swap({
          provider: l.provider,
          model: endpoint?.model,
          options: { baseUrl: endpoint?.baseUrl, apiKey: endpoint?.apiKey, temperature: l.temperature, maxTokens: l.maxTokens },
        });
        llm = r.info.modelId;
      } catch (e) {
        Object.assign(this.config.generation.llm, previous);
        throw e;
      }
    }
    let embedder: 'unchanged' | { model: string; reindex_jobs: string[] } = 'unchanged';
    if (JSON.stringify(fresh.retrieval.embedder) !== JSON.stringify(this.config.retrieval.embedder)) {
      // As for the LLM: the factory merges over the live section, so the new one goes in first.
      const previous = JSON.parse(JSON.stringify(this.config.retrieval.embedder)) as AppConfig['retrieval']['embedder'];
      Object.assign(this.config.retrieval.embedder, fresh.retrieval.embedder);
      const e = fresh.retrieval.embedder;
      const model = e.provider === 'hashing' ? undefined : e[e.provider].model;
      try {
        const change = await this.embedders.change({ provider: e.provider, model });
        embedder = { model: change.embedder.info.modelId, reindex_jobs: change.jobs.map((j) => j.id) };
      } catch (err) {
        Object.assign(this.config.retrieval.embedder, previous);
        throw err;
      }
    }
    // Read on every request, so applied as they are.
    const applied: string[] = [];
    for (const [section, current, next] of [
      ['generation.ask', this.config.generation.ask, fresh.generation.ask],
      ['retrieval.search', this.config.retrieval.search, fresh.retrieval.search],
    ] as const) {
      if (JSON.stringify(current) !== JSON.stringify(next)) {
        Object.assign(current, next);
        applied.push(section);
      }
    }
    const restart = [
      ...(['app', 'database', 'ingestion', 'logging', 'admin', 'privacy', 'audit'] as const).filter((k) => JSON.stringify(fresh[k]) !== JSON.stringify(this.config[k])),
      ...(fresh.retrieval.textSearchConfig !== this.config.retrieval.textSearchConfig ? ['retrieval.textSearchConfig'] : []),
    ];
    this.logger.log(`config reloaded: llm ${llm}; embedder ${typeof embedder === 'string' ? embedder : embedder.model}; restart needed for: ${restart.join(', ') || 'nothing'}`);
    return { llm, embedder, applied, restart_needed_for: restart };
  }
}
