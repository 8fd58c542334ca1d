export { ConversationModule } from './conversation.module';
