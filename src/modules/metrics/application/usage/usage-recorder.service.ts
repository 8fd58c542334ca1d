import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { Pricing } from '../../domain/pricing';
import { USAGE_STORE, UsageStore } from '../ports/usage-store.port';

export interface ModelCall {
  /** What the call was for: chat, ask, rewrite, summary, tool_decision ... */
  operation: string;
  /** `provider:model` as the generation reports it. */
  modelId: string;
  promptTokens: number;
  completionTokens: number;
  ms: number;
  userId?: string;
  conversationId?: string;
  requestId?: string;
}

/**
 * Prices every model call from config/pricing.yaml and stores one usage row per call. A model with no
 * price costs null (and one warning per model and process), never a silent 0.
 */
@Injectable()
export class UsageRecorder {
  private readonly logger = new Logger('Usage');
  private readonly pricing: Pricing;
  private readonly warned = new Set<string>();

  constructor(
    @Inject(USAGE_STORE) private readonly store: UsageStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.pricing = new Pricing(config.metrics.pricing);
  }

  /** The call's cost in USD (null when unknown), without storing anything. */
  cost(modelId: string, promptTokens: number, completionTokens: number): number | null {
    const cost = this.pricing.cost(modelId, promptTokens, completionTokens);
    if (cost === null && !this.warned.has(modelId)) {
      this.warned.add(modelId);
      this.logger.warn({ model: modelId }, `no price for model ${modelId} in config/pricing.yaml: its cost is reported as null`);
    }
    return cost;
  }

  /** Stores the calls (one statement, inside the caller's transaction when one is open) and returns their costs. */
  async recordAll(calls: ModelCall[]): Promise<Array<number | null>> {
    const records = calls.map((call) => {
      const [provider, ...rest] = call.modelId.split(':');
      return {
        operation: call.operation,
        provider,
        model: rest.join(':') || provider,
        promptTokens: call.promptTokens,
        completionTokens: call.completionTokens,
        ms: call.ms,
        costUsd: this.cost(call.modelId, call.promptTokens, call.completionTokens),
        userId: call.userId,
        conversationId: call.conversationId,
        requestId: call.requestId,
      };
    });
    if (records.length) await this.store.insert(records);
    return records.map((r) => r.costUsd);
  }
}
