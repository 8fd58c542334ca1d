import { Module } from '@nestjs/common';

/** Owns conversation memory, the agent and its tools; it will call retrieval and generation through their index.ts. */
@Module({})
export class ConversationModule {}
