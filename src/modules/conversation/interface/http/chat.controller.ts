import { Body, Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiProblems, clientAbortSignal, principalOf, sendSse } from '../../../../shared/http';
import { ChatHandler } from '../../application/chat/chat.handler';
import { ChatEvent, ChatResult } from '../../application/chat/chat.types';
import { CHAT_PROBLEMS } from './conversation.problems';
import { ChatRequestDto, ChatResponseDto } from './dto/chat.dto';
import { QUOTA_EXCEEDED_PROBLEM } from '../../../access';

/** The SSE (and WebSocket) shape of a chat event: /v1/ask's token, citation and done, plus tool_call. */
export function chatEventMessage(e: ChatEvent): { event: string; data: unknown } {
  switch (e.type) {
    case 'token':
      return { event: 'token', data: { text: e.text } };
    case 'tool_call':
      return { event: 'tool_call', data: e.call };
    case 'citation':
      return { event: 'citation', data: e.citation };
    case 'done':
      return { event: 'done', data: e.result };
  }
}

@ApiTags('conversations')
@Controller({ path: 'chat', version: '1' })
export class ChatController {
  private readonly logger = new Logger('Chat');

  constructor(private readonly chat: ChatHandler) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a message in a conversation with memory; the agent answers from the documents, the sales data or market quotes',
    description:
      'Starts a conversation (no `conversation_id`) or continues one of this user. The follow-up is rewritten into a standalone query from the history ' +
      '(`rewritten_query`), then the agent decides: a tool-calling model picks tools itself; otherwise a transparent Portuguese router does (`route.rule`). ' +
      'Memory lives in Postgres: the recent turns verbatim, older ones folded into a rolling summary. The user message and its reply are stored together ' +
      'only when the turn succeeds. With `stream: true`: Server-Sent Events `tool_call`, `token`, `citation`, then `done` with the full result. ' +
      'The same events come over the WebSocket at `/v1/chat/ws`.',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiProblems(...CHAT_PROBLEMS, QUOTA_EXCEEDED_PROBLEM('/v1/chat'))
  async send(@Body() body: ChatRequestDto, @Req() req: Request & { id?: string }, @Res({ passthrough: true }) res: Response): Promise<ChatResult | void> {
    const signal = clientAbortSignal(res);
    const cmd = { userId: body.user_id, caller: principalOf(req), message: body.message, conversationId: body.conversation_id, collection: body.collection, requestId: req.id, signal };
    if (!body.stream) return this.chat.execute(cmd);
    await sendSse(req, res, this.chat.stream(cmd), chatEventMessage, { signal, logger: this.logger, what: 'chat' });
  }
}
