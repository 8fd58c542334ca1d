import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppliedEntry, SharedState, withoutSecrets } from '../../../../shared/replicas';
import { SHARED_EMBEDDER_KEY } from '../../../retrieval';
import { ConfigReloader, SHARED_LLM_KEY } from './config-reloader.service';
import { LlmInfo } from '../ports/llm-provider.port';
import { LlmRegistry, LlmSpec } from './llm-registry.service';

/** The shared_state value of the `llm` key: the spec of an admin swap (no API key), or back to the YAML after a reload. */
export type SharedLlm = { source: 'swap'; spec: LlmSpec; omitted?: string[] } | { source: 'config' };
export { SHARED_LLM_KEY };

/** Where a model came from, for /v1/model-info: the shared entry this process follows, or null (its own YAML). */
export interface SharedOrigin {
  source: 'swap' | 'config';
  version: number;
  updated_at: string;
  /** The process that took the swap or reload (host:pid:id); `this_instance` when it was this one. */
  by: string;
  this_instance: boolean;
  applied_at: string;
  /** This process could not apply it and still runs its previous model. */
  error?: string;
}

/**
 * The LLM side of the models every replica shares (issue 10). An admin swap applies here and is stored for the
 * others (SharedState); another process's swap is applied through the same registry swap (factory, probe, atomic
 * replace); another process's config reload is repeated here with this process's YAML (`remote`: no re-index,
 * nothing stored again).
 */
@Injectable()
export class SharedModels implements OnModuleInit {
  constructor(
    private readonly llms: LlmRegistry,
    private readonly reloader: ConfigReloader,
    private readonly shared: SharedState,
  ) {}

  onModuleInit(): void {
    this.shared.on(SHARED_LLM_KEY, async (entry, phase) => {
      const value = entry.value as SharedLlm;
      if (value.source === 'swap') await this.llms.swap(value.spec);
      // At boot this process just read its YAML: nothing to reset.
      else if (phase === 'change') await this.reloader.reload({ remote: true });
    });
  }

  async swapLlm(spec: LlmSpec): Promise<{ info: LlmInfo; loadedAt: Date; previous: string }> {
    const result = await this.llms.swap(spec);
    const { value, omitted } = withoutSecrets(spec);
    await this.shared.publish<SharedLlm>(SHARED_LLM_KEY, { source: 'swap', spec: value, ...(omitted.length ? { omitted } : {}) });
    return result;
  }

  /** Sharing as this process sees it: off, or its instance id and how it hears of changes. */
  sharing(): { enabled: boolean; instance: string; notify: string } {
    return { enabled: this.shared.enabled, instance: this.shared.instanceId, notify: this.shared.notifyMode };
  }

  origin(model: 'llm' | 'embedder'): SharedOrigin | null {
    const entry = this.shared.appliedEntry<{ source: 'swap' | 'config' }>(model === 'llm' ? SHARED_LLM_KEY : SHARED_EMBEDDER_KEY);
    return entry ? toOrigin(entry, this.shared.instanceId) : null;
  }
}

function toOrigin(entry: AppliedEntry<{ source: 'swap' | 'config' }>, self: string): SharedOrigin {
  return {
    source: entry.value.source,
    version: entry.version,
    updated_at: entry.updatedAt.toISOString(),
    by: entry.origin,
    this_instance: entry.origin === self,
    applied_at: entry.appliedAt.toISOString(),
    ...(entry.error ? { error: entry.error } : {}),
  };
}
