import { AppConfig, appConfigSchema, EMBEDDER_PROVIDERS, EmbedderConfig, resolveDataPath } from '../../../shared/config';
import { Embedder, EmbedderSpec } from '../application/ports/embedder.port';
import { InvalidEmbedderSpecError } from '../domain/retrieval.errors';
import { PiiDetector } from '../../../shared/privacy';
import { HashingEmbedder } from './embedders/hashing.embedder';
import { MaskingEmbedder } from './embedders/masking.embedder';

type Provider = (typeof EMBEDDER_PROVIDERS)[number];

/**
 * Provider options a runtime spec may set (merged over the provider's section of retrieval.embedder). Paths
 * (transformers.cacheDir) and batchSize stay as configured. `model` is its own spec field, not an option.
 */
export const EMBEDDER_SPEC_OPTIONS: Record<Provider, readonly string[]> = {
  hashing: ['dimension'],
  transformers: ['localOnly', 'queryPrefix', 'documentPrefix'],
  openai: ['baseUrl', 'apiKey', 'dimension', 'timeoutMs', 'maxRetries'],
  ollama: ['baseUrl', 'dimension', 'timeoutMs'],
};

const embedderSchema = appConfigSchema.shape.retrieval.shape.embedder;

const isProvider = (p: string): p is Provider => (EMBEDDER_PROVIDERS as readonly string[]).includes(p);

/**
 * Applies a runtime spec ({provider, model?, options?}) over the configured embedder section and validates
 * the result with the config schema itself. Unknown providers or options, and bad values, are a 400 naming
 * the field and the valid choices.
 */
export function resolveEmbedderSpec(base: EmbedderConfig, spec: EmbedderSpec): EmbedderConfig {
  if (!isProvider(spec.provider)) {
    const message = `Unknown embedder provider "${spec.provider}". Valid choices: ${EMBEDDER_PROVIDERS.join(', ')}.`;
    throw new InvalidEmbedderSpecError(message, [{ field: 'provider', message }]);
  }
  const provider = spec.provider;
  const allowed = EMBEDDER_SPEC_OPTIONS[provider];
  const errors: Array<{ field: string; message: string }> = [];
  for (const key of Object.keys(spec.options ?? {})) {
    if (!allowed.includes(key)) {
      errors.push({ field: `options.${key}`, message: `not an option of the ${provider} embedder (allowed: ${allowed.join(', ') || 'none'})` });
    }
  }
  if (spec.model !== undefined && provider === 'hashing') {
    errors.push({ field: 'model', message: 'the hashing embedder has no model (set options.dimension instead)' });
  }
  if (errors.length === 0) {
    const section: Record<string, unknown> = { ...base[provider], ...(spec.options ?? {}), ...(spec.model !== undefined ? { model: spec.model } : {}) };
    // The configured API key follows only to the configured server (as for an LLM swap): a spec pointing at
    // another one brings its own key or none, so a swap cannot send the production key to any host.
    if ('apiKey' in section && spec.options?.apiKey === undefined && originOf(section.baseUrl) !== originOf((base[provider] as { baseUrl?: unknown }).baseUrl)) {
      delete section.apiKey;
    }
    const parsed = embedderSchema.safeParse({ ...base, provider, [provider]: section });
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[issue.path.length - 1] ?? '');
      errors.push({ field: key === 'model' ? 'model' : `options.${key}`, message: issue.message });
    }
  }
  throw new InvalidEmbedderSpecError(`Invalid ${provider} embedder: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
}

function originOf(url: unknown): string | undefined {
  try {
    return typeof url === 'string' ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The one place an Embedder is built: from config at boot, and from config plus a spec on a hot swap.
 * Network and model SDKs are imported lazily so the offline default never loads them. Nothing is
 * contacted here: warmUp() does that.
 */
export async function createEmbedder(config: AppConfig, spec?: EmbedderSpec): Promise<Embedder> {
  const embedder = await buildEmbedder(config, spec);
  const { maskExternal, external, patterns } = config.privacy;
  return maskExternal && (external.embedder as readonly string[]).includes(embedder.info.provider)
    ? new MaskingEmbedder(embedder, new PiiDetector(patterns))
    : embedder;
}

async function buildEmbedder(config: AppConfig, spec?: EmbedderSpec): Promise<Embedder> {
  const e = spec ? resolveEmbedderSpec(config.retrieval.embedder, spec) : config.retrieval.embedder;
  const provider = e.provider;
  switch (provider) {
    case 'hashing':
      return new HashingEmbedder({ dimension: e.hashing.dimension });
    case 'transformers': {
      const { TransformersEmbedder } = await import('./embedders/transformers.embedder');
      return new TransformersEmbedder({
        ...e.transformers,
        cacheDir: resolveDataPath(config, e.transformers.cacheDir),
        batchSize: e.batchSize,
      });
    }
    case 'openai': {
      const { OpenAiEmbedder } = await import('./embedders/openai.embedder');
      return new OpenAiEmbedder({ ...e.openai, batchSize: e.batchSize });
    }
    case 'ollama': {
      const { OllamaEmbedder } = await import('./embedders/ollama.embedder');
      return new OllamaEmbedder({ ...e.ollama, batchSize: e.batchSize });
    }
    default: {
      const unreachable: never = provider;
      const message = `Unknown embedder provider "${String(unreachable)}". Valid choices: ${EMBEDDER_PROVIDERS.join(', ')}.`;
      throw new InvalidEmbedderSpecError(message, [{ field: 'provider', message }]);
    }
  }
}
