import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ConfigError, configProblemSummary, loadConfig } from '../../../../shared/config';
import { SharedState } from '../../../../shared/replicas';
import { EmbedderAdminService, SHARED_EMBEDDER_KEY, SharedEmbedder } from '../../../retrieval';
import { InvalidModelSpecError } from '../../domain/generation.errors';
import { LlmRegistry, LlmSpec } from './llm-registry.service';

/**
 * POST /v1/admin/config/reload: re-reads the YAML (same profiles and environment as at boot) and applies
 * model changes the way the admin endpoints do: a changed LLM section swaps through the registry
 * (validated, probed, atomic); a changed embedder section swaps the embedder and re-indexes collections in
 * the background (zero downtime). Other settings are not hot-reloaded: they are reported so the operator
 * knows a restart applies them.
 *
 * A reload also ends an admin swap: the models go back to the YAML even when their sections did not change. With
 * replicas.shareModels it is stored (shared_state: llm and embedder back to `config`) and every other process
 * repeats it with its own YAML (`remote`: the embedder is made active without a re-index, which this one runs).
 */
@Injectable()
export class ConfigReloader {
  private readonly logger = new Logger('ConfigReload');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly llms: LlmRegistry,
    private readonly embedders: EmbedderAdminService,
    private readonly shared: SharedState,
  ) {}

  async reload(opts: { remote?: boolean } = {}): Promise<{
    llm: 'unchanged' | string;
    embedder: 'unchanged' | { model: string; reindex_jobs: string[] };
    applied: string[];
    restart_needed_for: string[];
  }> {
    let fresh: AppConfig;
    try {
      fresh = loadConfig();
    } catch (e) {
      // the key and the line, never the quoted source: a YAML error quotes the offending line, which may hold a key
      if (e instanceof ConfigError) throw new InvalidModelSpecError(configProblemSummary(e.message), 'config');
      throw e;
    }
    let llm: 'unchanged' | string = 'unchanged';
    const before = JSON.stringify(this.config.generation.llm);
    const swapped = this.llms.activeSpec();
    if (JSON.stringify(fresh.generation.llm) !== before || (swapped && JSON.stringify(swapped) !== JSON.stringify(llmSpecOf(fresh)))) {
      // The factory reads the live config: put the new section in place, and restore it if the swap fails.
      const previous = JSON.parse(before) as AppConfig['generation']['llm'];
      Object.assign(this.config.generation.llm, fresh.generation.llm);
      try {
        const r = await this.llms.swap(llmSpecOf(fresh));
        llm = r.info.modelId;
      } catch (e) {
        Object.assign(this.config.generation.llm, previous);
        throw e;
      }
    }
    let embedder: 'unchanged' | { model: string; reindex_jobs: string[] } = 'unchanged';
    const e = fresh.retrieval.embedder;
    const yamlEmbedder = { provider: e.provider, model: e.provider === 'hashing' ? undefined : e[e.provider].model };
    const embedderSwapped = this.embedders.activeSpec();
    if (
      JSON.stringify(fresh.retrieval.embedder) !== JSON.stringify(this.config.retrieval.embedder) ||
      (embedderSwapped && JSON.stringify(embedderSwapped) !== JSON.stringify(yamlEmbedder))
    ) {
      // As for the LLM: the factory merges over the live section, so the new one goes in first.
      const previous = JSON.parse(JSON.stringify(this.config.retrieval.embedder)) as AppConfig['retrieval']['embedder'];
      Object.assign(this.config.retrieval.embedder, fresh.retrieval.embedder);
      try {
        if (opts.remote) {
          embedder = { model: (await this.embedders.adopt(yamlEmbedder)).modelId, reindex_jobs: [] };
        } else {
          const change = await this.embedders.change(yamlEmbedder, undefined, { share: false });
          embedder = { model: change.embedder.info.modelId, reindex_jobs: change.jobs.map((j) => j.id) };
        }
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
    // Everything else is read at start: each changed section is listed, none left out silently (a quota, a rate
    // limit or the CORS origins changed in the YAML apply after a restart, and the answer says so)
    const restart = changedSections(fresh, this.config, RELOADED);
    if (!opts.remote) {
      // Every other process repeats the reload (the llm entry triggers it; the embedder's says no swap is active).
      await this.shared.publish<SharedEmbedder>(SHARED_EMBEDDER_KEY, { source: 'config' });
      await this.shared.publish(SHARED_LLM_KEY, { source: 'config' });
    }
    this.logger.log(`config ${opts.remote ? 'reloaded after another process reloaded it' : 'reloaded'}: llm ${llm}; embedder ${typeof embedder === 'string' ? embedder : embedder.model}; restart needed for: ${restart.join(', ') || 'nothing'}`);
    return { llm, embedder, applied, restart_needed_for: restart };
  }
}

/** The key of the LLM entry in shared_state (SharedModels stores swaps under it). */
export const SHARED_LLM_KEY = 'llm';

/** The spec a reload swaps to: the YAML's provider and its endpoint (the registry compares it with the active one). */
function llmSpecOf(config: AppConfig): LlmSpec {
  const l = config.generation.llm;
  const endpoint = l.provider === 'extractive' ? undefined : l[l.provider];
  return {
    provider: l.provider,
    model: endpoint?.model,
    options: { baseUrl: endpoint?.baseUrl, apiKey: endpoint?.apiKey, temperature: l.temperature, maxTokens: l.maxTokens },
  };
}

/** Sections a reload applies (swapped or read on every request); the ones in `generation` and `retrieval` are compared one level down. */
const RELOADED = new Set(['generation.llm', 'generation.ask', 'retrieval.embedder', 'retrieval.search']);

/** The sections (`quota`, `retrieval.filters`…) where `next` differs from `current`, but for those in `skip`. */
export function changedSections(next: AppConfig, current: AppConfig, skip: ReadonlySet<string>): string[] {
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  const out: string[] = [];
  for (const key of Object.keys(next) as Array<keyof AppConfig>) {
    if (key === 'generation' || key === 'retrieval') {
      const a = next[key] as unknown as Record<string, unknown>;
      const b = current[key] as unknown as Record<string, unknown>;
      for (const sub of Object.keys(a)) if (!skip.has(`${key}.${sub}`) && differs(a[sub], b[sub])) out.push(`${key}.${sub}`);
    } else if (differs(next[key], current[key])) out.push(key);
  }
  return out;
}
