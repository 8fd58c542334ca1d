import { Module } from '@nestjs/common';

/** Owns the LlmProvider port and the model registry (adapters and /v1/ask land with the grounded-answers work). */
@Module({})
export class GenerationModule {}
