export { GenerationModule } from './generation.module';
export type {
  ChatMessage, CutReason, FinishReason, ToolCall, ToolDefinition, Generation, GenerateOptions, GroundingContext, LlmInfo, LlmProvider, StreamEvent, TokenUsage,
} from './application/ports/llm-provider.port';
export { cutReason } from './application/ports/llm-provider.port';
export { AskHandler } from './application/ask/ask.handler';
export type { AskCommand, AskResult, AskEvent } from './application/ask/ask.types';
export { LlmRegistry } from './application/models/llm-registry.service';
export type { Citation } from './application/ask/ask.types';
export { verifyCitations } from './domain/citations';
export type { Passage } from './domain/citations';
export { fill } from './application/ask/ask.handler';
export { CLIENT_CLOSED, unfinishedCall } from './application/usage/unfinished-call';
export type { UnfinishedCall } from './application/usage/unfinished-call';
