import { AppConfig, EMBEDDER_PROVIDERS, resolveDataPath } from '../../../shared/config';
import { Embedder } from '../application/ports/embedder.port';
import { HashingEmbedder } from './embedders/hashing.embedder';

export class UnknownEmbedderError extends Error {
  constructor(provider: string) {
    super(`Unknown embedder provider "${provider}". Valid choices: ${EMBEDDER_PROVIDERS.join(', ')}.`);
  }
}

/**
 * The one place an Embedder is built from config (boot and, later, hot swap). Network and model SDKs
 * are imported lazily so the offline default never loads them.
 */
export async function createEmbedder(config: AppConfig): Promise<Embedder> {
  const e = config.retrieval.embedder;
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
      throw new UnknownEmbedderError(String(unreachable));
    }
  }
}
