import { Logger, LoggerService } from '@nestjs/common';
import { AppConfig, LLM_PROVIDERS } from '../../../../shared/config';
import type { LlmSpec } from '../../application/models/llm-registry.service';
import { LlmProvider } from '../../application/ports/llm-provider.port';
import { InvalidModelSpecError } from '../../domain/generation.errors';
import { PiiDetector } from '../../../../shared/privacy';
import { ExtractiveLlm } from './extractive.llm';
import { safeMessage } from './llm-errors';
import { MaskingLlm } from './masking.llm';
import { BackoffOptions, ResilientLlm } from './resilient.llm';

export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

/** Knobs that are not configuration: tests shorten the backoff and capture the log. */
export interface LlmRuntimeOptions {
  backoff?: BackoffOptions;
  logger?: Pick<LoggerService, 'warn'>;
  random?: () => number;
}

/**
 * The one place an LlmProvider is built (boot, hot swap, config reload): the primary from config merged
 * with `spec`, then the fallbacks of generation.llm.fallback (minus the primary, built from config
 * alone), all behind ResilientLlm. Network SDKs are imported lazily so the offline default never loads
 * them. A fallback that cannot be built (say groq without GROQ_API_KEY) is skipped with a warning; a
 * primary that cannot be built fails the call.
 */
export async function createLlm(
  config: AppConfig,
  spec?: LlmSpec,
  runtime: LlmRuntimeOptions = {},
): Promise<LlmProvider> {
  const llm = config.generation.llm;
  const logger = runtime.logger ?? new Logger('Llm');
  const primaryName = providerName(spec?.provider ?? llm.provider);
  const chain: LlmProvider[] = [withPrivacy(config, primaryName, await buildProvider(config, primaryName, spec))];
  for (const name of new Set(llm.fallback)) {
    if (name === primaryName) continue;
    try {
      chain.push(withPrivacy(config, name, await buildProvider(config, name)));
    } catch (e) {
      logger.warn(`fallback LLM ${name} skipped: ${safeMessage(e)}`);
    }
  }
  return new ResilientLlm(chain, {
    timeoutMs: llm.timeoutMs,
    maxRetries: llm.maxRetries,
    backoff: runtime.backoff,
    logger,
    random: runtime.random,
  });
}

/** privacy.maskExternal: an external provider (privacy.external.llm) gets masked text (MaskingLlm). */
function withPrivacy(config: AppConfig, name: LlmProviderName, provider: LlmProvider): LlmProvider {
  const { maskExternal, external, patterns } = config.privacy;
  return maskExternal && external.llm.includes(name) ? new MaskingLlm(provider, new PiiDetector(patterns)) : provider;
}

function providerName(name: string): LlmProviderName {
  if ((LLM_PROVIDERS as readonly string[]).includes(name)) return name as LlmProviderName;
  throw new InvalidModelSpecError(
    `Unknown LLM provider "${name}". Valid choices: ${LLM_PROVIDERS.join(', ')}.`,
    'provider',
  );
}

async function buildProvider(
  config: AppConfig,
  provider: LlmProviderName,
  spec?: LlmSpec,
): Promise<LlmProvider> {
  const llm = config.generation.llm;
  switch (provider) {
    case 'extractive':
      return new ExtractiveLlm(llm.extractive);
    case 'openai': {
      const { OpenAiLlm } = await import('./openai.llm');
      return new OpenAiLlm(endpointFor(config, 'openai', spec));
    }
    case 'groq': {
      const { GroqLlm } = await import('./groq.llm');
      return new GroqLlm(endpointFor(config, 'groq', spec));
    }
    case 'ollama': {
      const { OllamaLlm } = await import('./ollama.llm');
      return new OllamaLlm({ ...endpointFor(config, 'ollama', spec), keepAlive: llm.ollama.keepAlive });
    }
    default: {
      const unreachable: never = provider;
      return providerName(String(unreachable)) as never;
    }
  }
}

interface Endpoint {
  baseUrl: string;
  apiKey?: string;
  model: string;
  temperature: number;
  maxTokens: number;
  contextWindow?: number;
}

/**
 * Config for `provider` with the spec's overrides. The configured API key follows only to the configured
 * origin: a spec pointing at another server must bring its own key (or none), so a swap cannot send
 * the production key to an arbitrary host.
 */
function endpointFor(config: AppConfig, provider: 'openai' | 'groq' | 'ollama', spec?: LlmSpec): Endpoint {
  const llm = config.generation.llm;
  const configured = llm[provider];
  const o = spec?.options ?? {};
  const baseUrl = o.baseUrl ?? configured.baseUrl;
  let origin: string;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    throw new InvalidModelSpecError(
      `options.baseUrl must be an absolute URL, got "${baseUrl}"`,
      'options.baseUrl',
    );
  }
  const sameServer = origin === new URL(configured.baseUrl).origin;
  const model = spec?.model ?? configured.model;
  return {
    baseUrl,
    apiKey: o.apiKey ?? (sameServer ? configured.apiKey : undefined),
    model,
    temperature: o.temperature ?? llm.temperature,
    maxTokens: o.maxTokens ?? llm.maxTokens,
    contextWindow: model === configured.model ? configured.contextWindow : undefined,
  };
}
