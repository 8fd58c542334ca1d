import { createHash, randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Logger, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { validateDto } from '../../../../shared/errors/validation';
import type { Request, Response } from 'express';
import { ApiOpenAiErrors, clientAbortSignal, principalOf, sendSse } from '../../../../shared/http';
import { openAiErrorOf } from '../../../../shared/errors';
import type { ChatMessage } from '../../../generation';
import { ChunkIndexer, DEFAULT_COLLECTION } from '../../../retrieval';
import { ChatHandler } from '../../application/chat/chat.handler';
import { ChatEvent, ChatResult } from '../../application/chat/chat.types';
import { ConversationError, ModelNotFoundError } from '../../domain/conversation.errors';
import { COMPLETIONS_PROBLEMS, MODEL_NOT_FOUND } from './conversation.problems';
import { ChatCompletionDto, ChatCompletionRequestDto, ModelEntryDto, ModelListDto, OpenAiMessageDto } from './dto/openai.dto';
import { QUOTA_EXCEEDED_PROBLEM } from '../../../access';

/** Users of the OpenAI-compatible route that send no `user`: their turns are answered but not stored. */
const ANONYMOUS = 'openai-anonymous';

/**
 * The OpenAI Chat Completions wire format over the conversation agent, so existing clients and chat UIs talk
 * to acervo as if it were a model. The model name picks the collection; the client's messages are the
 * context; citations travel in `choices[0].message.citations` (JSON) and in the last streamed chunk's
 * `choices[0].delta.citations`.
 */
@ApiTags('conversations')
@Controller({ version: '1' })
export class OpenAiCompatController {
  private readonly logger = new Logger('OpenAiCompat');

  constructor(
    private readonly chat: ChatHandler,
    private readonly indexer: ChunkIndexer,
  ) {}

  @Get('models')
  @ApiOperation({ summary: 'OpenAI-compatible model list: `acervo` and `acervo:<collection>` per collection' })
  @ApiOkResponse({ type: ModelListDto })
  async models() {
    const created = Math.floor(Date.now() / 1000);
    const collections = (await this.indexer.listCollections()).map((c) => c.name).filter((n) => n !== DEFAULT_COLLECTION);
    return { object: 'list', data: ['acervo', ...collections.map((c) => `acervo:${c}`)].map((id) => modelEntry(id, created)) };
  }

  @Get('models/:id')
  @ApiOperation({ summary: 'OpenAI-compatible model: `acervo`, or `acervo:<collection>` of an existing collection (the SDK\'s models.retrieve)' })
  @ApiOkResponse({ type: ModelEntryDto })
  @ApiOpenAiErrors(MODEL_NOT_FOUND)
  async model(@Param('id') id: string) {
    const collection = id.startsWith('acervo:') ? id.slice('acervo:'.length) : undefined;
    const exists = id === 'acervo' || (collection !== undefined && (await this.indexer.listCollections()).some((c) => c.name === collection));
    if (!exists) throw new ModelNotFoundError(id);
    return modelEntry(id, Math.floor(Date.now() / 1000));
  }

  @Post('chat/completions')
  @HttpCode(200)
  @ApiOperation({
    summary: 'OpenAI-compatible chat completions, grounded in the knowledge base (JSON or streamed)',
    description:
      'Works with the official `openai` client (`baseURL: http://host:3000/v1`). The last user message is answered; earlier messages are the context. ' +
      'With `user`, the turn is stored in that user\'s memory (GET /v1/conversations?user_id=...). Citations: `choices[0].message.citations`, ' +
      'or the last streamed chunk\'s `choices[0].delta.citations`.',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ type: ChatCompletionDto })
  @ApiBody({ type: ChatCompletionRequestDto })
  @ApiOpenAiErrors(...COMPLETIONS_PROBLEMS, QUOTA_EXCEEDED_PROBLEM('/v1/chat/completions'))
  // The body is validated here, not by the global pipe: OpenAI clients send fields acervo does not use (n, seed,
  // response_format, tools ...), which are dropped instead of refused.
  async complete(@Body() raw: unknown, @Req() req: Request & { id?: string }, @Res({ passthrough: true }) res: Response) {
    const body = await validateDto(ChatCompletionRequestDto, raw, { allowUnknown: true });
    const messages = body.messages.map(toChatMessage);
    const lastUser = messages.map((m) => m.role).lastIndexOf('user');
    if (lastUser < 0) throw new ConversationError('CONVERSATION.NO_USER_MESSAGE', 'invalid', 'messages must contain a user message', { errors: [{ field: 'messages', message: 'must contain a user message' }] });
    const collection = body.model.includes(':') ? body.model.split(':')[1] : DEFAULT_COLLECTION;
    const userId = body.user ?? ANONYMOUS;
    const firstUser = messages.find((m) => m.role === 'user')!.content;
    const signal = clientAbortSignal(res);
    const cmd = {
      userId,
      caller: principalOf(req),
      message: messages[lastUser].content,
      // an assistant message that only called tools (content null) and tool results are no context
      history: messages.slice(0, lastUser).filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content !== ''),
      // Chat UIs resend the whole thread: the same user and first message name the same stored conversation.
      conversationId: body.conversation_id ?? derivedId(userId, collection, firstUser),
      collection,
      persist: !!body.user,
      // Only acervo's own derived ids start a conversation: a client's id must be one of its user's (else 404), so
      // no one stores a conversation under an id another user's client will derive.
      mayCreate: !body.conversation_id || !body.user,
      requestId: req.id,
      signal,
    };
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      const r = await this.chat.execute(cmd);
      return {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: r.response, citations: r.citations }, finish_reason: r.truncated ?? 'stop', logprobs: null }],
        usage: usage(r),
        acervo: extension(r),
      };
    }
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: body.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...extra,
    });
    let started = false;
    const includeUsage = !!body.stream_options?.include_usage;
    async function* frames(events: AsyncIterable<ChatEvent>) {
      for await (const e of events) {
        if (!started) {
          started = true;
          yield chunk({ role: 'assistant', content: '' }, null);
        }
        if (e.type === 'token') yield chunk({ content: e.text }, null);
        else if (e.type === 'done') {
          yield chunk({ citations: e.result.citations }, e.result.truncated ?? 'stop', { acervo: extension(e.result) });
          if (includeUsage) yield { id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage: usage(e.result) };
          yield '[DONE]';
        }
      }
    }
    // A failure mid-stream is OpenAI's error frame (`data: {"error": {...}}`), which the SDKs raise as an APIError.
    await sendSse(req, res, frames(this.chat.stream(cmd)), (f) => ({ data: f }), { signal, logger: this.logger, what: 'chat completion', errorEvent: (p) => ({ data: openAiErrorOf(p) }) });
  }
}

function toChatMessage(m: OpenAiMessageDto): ChatMessage {
  const content =
    typeof m.content === 'string'
      ? m.content
      : Array.isArray(m.content)
        ? m.content.map((p: unknown) => (typeof p === 'object' && p && (p as { type?: unknown }).type === 'text' ? String((p as { text?: unknown }).text ?? '') : '')).join('')
        : '';
  const role = m.role === 'developer' ? 'system' : (m.role as ChatMessage['role']);
  return { role, content };
}

function modelEntry(id: string, created: number) {
  return { id, object: 'model', created, owned_by: 'acervo' };
}

function derivedId(userId: string, collection: string, firstMessage: string): string {
  const h = createHash('sha256').update(`${userId}\n${collection}\n${firstMessage}`).digest('hex');
  // a UUID-shaped id (version nibble 5, variant 8) so it fits the conversations table
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function usage(r: ChatResult) {
  return { prompt_tokens: r.usage.prompt_tokens, completion_tokens: r.usage.completion_tokens, total_tokens: r.usage.prompt_tokens + r.usage.completion_tokens };
}

function extension(r: ChatResult) {
  return { conversation_id: r.conversation_id, rewritten_query: r.rewritten_query, tool_calls: r.tool_calls, route: r.route, answered_by: r.model, cost_usd: r.cost_usd, abstained: r.abstained ?? false };
}
