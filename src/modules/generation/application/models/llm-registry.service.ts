import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, LLM_PROVIDERS } from '../../../../shared/config';
import { InvalidModelSpecError, LlmUnavailableError } from '../../domain/generation.errors';
import { LlmInfo, LlmProvider } from '../ports/llm-provider.port';

export interface LlmSpec {
  provider: string;
  model?: string;
  options?: { baseUrl?: string; apiKey?: string; temperature?: number; maxTokens?: number };
}

/** Builds a provider (with its fallback chain) from config merged with a spec. Bound in the module. */
export type LlmFactory = (spec?: LlmSpec) => LlmProvider | Promise<LlmProvider>;
export const LLM_FACTORY = Symbol('LLM_FACTORY');

const PROBE_TIMEOUT_MS = 10000;
const PROBE_CACHE_MS = 5000;

/**
 * Holds the active LLM. A swap builds the new provider through the same factory, probes it, and only
 * then replaces the reference: requests already running keep the provider they started with.
 */
@Injectable()
export class LlmRegistry {
  private readonly logger = new Logger('LlmRegistry');
  private provider!: LlmProvider;
  private loadedAt = new Date();
  private spec?: LlmSpec;
  private lastProbe?: { at: number; error?: string };

  constructor(
    @Inject(LLM_FACTORY) private readonly factory: LlmFactory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async init(): Promise<void> {
    this.provider = await this.factory();
    this.loadedAt = new Date();
    this.logger.log(`LLM ${this.provider.info.modelId} (${this.provider.info.kind}) active`);
  }

  current(): LlmProvider {
    return this.provider;
  }

  status(): { info: LlmInfo; loadedAt: Date; fallback: string[] } {
    return { info: this.provider.info, loadedAt: this.loadedAt, fallback: this.config.generation.llm.fallback };
  }

  async swap(spec: LlmSpec): Promise<{ info: LlmInfo; loadedAt: Date; previous: string }> {
    if (!(LLM_PROVIDERS as readonly string[]).includes(spec.provider)) {
      throw new InvalidModelSpecError(`provider must be one of: ${LLM_PROVIDERS.join(', ')}`, 'provider');
    }
    const started = Date.now();
    const candidate = await this.factory(spec);
    await this.probeWithTimeout(candidate);
    const previous = this.provider.info.modelId;
    this.provider = candidate; // atomic reference swap: in-flight requests hold the old one
    this.loadedAt = new Date();
    this.spec = spec;
    this.lastProbe = { at: Date.now() };
    this.logger.log(`LLM swapped ${previous} -> ${candidate.info.modelId} in ${Date.now() - started} ms`);
    return { info: candidate.info, loadedAt: this.loadedAt, previous };
  }

  /** The spec of the last swap, if any (config reload compares against it). */
  activeSpec(): LlmSpec | undefined {
    return this.spec;
  }

  /** Readiness: a cheap probe, cached for a few seconds. */
  async health(): Promise<{ up: boolean; details: Record<string, unknown> }> {
    const now = Date.now();
    if (!this.lastProbe || now - this.lastProbe.at > PROBE_CACHE_MS) {
      try {
        await this.probeWithTimeout(this.provider);
        this.lastProbe = { at: now };
      } catch (e) {
        this.lastProbe = { at: now, error: (e as Error).message };
      }
    }
    const { provider, model, kind } = this.provider.info;
    return { up: !this.lastProbe.error, details: { provider, model, kind, ...(this.lastProbe.error ? { error: this.lastProbe.error } : {}) } };
  }

  private async probeWithTimeout(p: LlmProvider): Promise<void> {
    const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    try {
      await p.probe(signal);
    } catch (e) {
      if (signal.aborted) throw new LlmUnavailableError(p.info.provider, `probe did not answer within ${PROBE_TIMEOUT_MS} ms`);
      throw e;
    }
  }
}
