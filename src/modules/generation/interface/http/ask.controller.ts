import { Body, Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiProblems, clientAbortSignal, principalOf, sendSse } from '../../../../shared/http';
import { DEFAULT_COLLECTION } from '../../../retrieval';
import { CachedAskHandler } from '../../application/ask/cached-ask.handler';
import { AskResult } from '../../application/ask/ask.types';
import { AskRequestDto, AskResponseDto } from './dto/ask.dto';
import { ASK_PROBLEMS } from './generation.problems';
import { QUOTA_EXCEEDED_PROBLEM } from '../../../access';

@ApiTags('ask')
@Controller({ path: 'ask', version: '1' })
export class AskController {
  private readonly logger = new Logger('Ask');

  constructor(private readonly ask: CachedAskHandler) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Answer a question from the knowledge base, with verified citations',
    description:
      'Retrieves (hybrid search), packs passages to a token budget, generates with the active LLM (extractive by default) and verifies every [n] ' +
      'citation against its passage. Abstains with the configured refusal when the evidence is weak or the model declines. ' +
      'With `stream: true` the answer comes as Server-Sent Events: `token` {text} deltas, `citation` events, then `done` with the full result ' +
      '(its `answer` is the verified text; deltas are the raw model output). A failure after streaming started is sent as an `error` event (problem+json).',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ type: AskResponseDto })
  @ApiProblems(...ASK_PROBLEMS, QUOTA_EXCEEDED_PROBLEM('/v1/ask'))
  async run(@Body() body: AskRequestDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AskResult | void> {
    const signal = clientAbortSignal(res);
    // The caller's user id (a user key or token) goes on the usage rows: the daily token quota counts them.
    const cmd = { question: body.question, collection: body.collection ?? DEFAULT_COLLECTION, topK: body.top_k, filters: body.filters, signal, requestId: (req as Request & { id?: string }).id, userId: principalOf(req)?.userId };
    if (!body.stream) return this.ask.execute(cmd);
    await sendSse(req, res, this.ask.stream(cmd), (e) => (e.type === 'token' ? { event: 'token', data: { text: e.text } } : e.type === 'citation' ? { event: 'citation', data: e.citation } : { event: 'done', data: e.result }), {
      signal,
      logger: this.logger,
      what: 'ask',
    });
  }
}
