import { BadRequestException, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../../../shared/http';
import { ConversationQueries } from '../../application/conversations/conversation-queries.handler';
import { CONVERSATION_PROBLEMS, FORGET_PROBLEMS, LIST_CONVERSATIONS_PROBLEMS } from './conversation.problems';
import { ConversationDto, ConversationListDto, ForgetResultDto, ListConversationsQueryDto, UserQueryDto } from './dto/chat.dto';
import { UserIdParamDto } from './dto/user-id.param';
import { Audited } from '../../../../shared/audit';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException({ message: 'id must be a UUID', code: 'REQUEST.VALIDATION', errors: [{ field: 'id', message: 'must be a UUID' }] }),
});

@ApiTags('conversations')
@Controller({ version: '1' })
export class ConversationsController {
  constructor(private readonly conversations: ConversationQueries) {}

  @Get('conversations')
  @ApiOperation({ summary: "A user's conversations, most recent first" })
  @ApiOkResponse({ type: ConversationListDto })
  @ApiProblems(...LIST_CONVERSATIONS_PROBLEMS)
  list(@Query() q: ListConversationsQueryDto) {
    return this.conversations.list(q.user_id, q.limit ?? 20, q.offset ?? 0);
  }

  @Get('conversations/:id')
  @ApiOperation({ summary: 'One conversation with its messages, their citations and tool calls (404 for another user)' })
  @ApiOkResponse({ type: ConversationDto })
  @ApiProblems(...CONVERSATION_PROBLEMS)
  get(@Param('id', uuid) id: string, @Query() q: UserQueryDto) {
    return this.conversations.get(id, q.user_id);
  }

  @Delete('conversations/:id')
  @HttpCode(204)
  @Audited('conversation.delete')
  @ApiOperation({ summary: 'Delete a conversation and its messages' })
  @ApiProblems(...CONVERSATION_PROBLEMS)
  async delete(@Param('id', uuid) id: string, @Query() q: UserQueryDto): Promise<void> {
    await this.conversations.delete(id, q.user_id);
  }

  @Delete('users/:user_id/memory')
  @Audited('user.memory.forget')
  @ApiOperation({ summary: 'A user forgets: every conversation of this user is deleted' })
  @ApiOkResponse({ type: ForgetResultDto })
  @ApiProblems(...FORGET_PROBLEMS)
  forget(@Param() p: UserIdParamDto) {
    return this.conversations.forget(p.user_id);
  }
}
