export { GenerationModule } from './generation.module';
export type { ChatMessage, Generation, GenerateOptions, LlmProvider, TokenUsage } from './application/ports/llm-provider.port';
export { LLM_PROVIDER } from './application/ports/llm-provider.port';
