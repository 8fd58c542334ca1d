import { Body, Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError } from '../../../../shared/errors/domain-error';
import { problemFromDomainError } from '../../../../shared/errors/problem-details.filter';
import { ApiProblems } from '../../../../shared/http';
import { DEFAULT_COLLECTION } from '../../../retrieval';
import { AskHandler } from '../../application/ask/ask.handler';
import { AskResult } from '../../application/ask/ask.types';
import { AskRequestDto, AskResponseDto } from './dto/ask.dto';
import { ASK_PROBLEMS } from './generation.problems';

@ApiTags('ask')
@Controller({ path: 'ask', version: '1' })
export class AskController {
  private readonly logger = new Logger('Ask');

  constructor(private readonly ask: AskHandler) {}

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
  @ApiProblems(...ASK_PROBLEMS)
  async run(@Body() body: AskRequestDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AskResult | void> {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const cmd = { question: body.question, collection: body.collection ?? DEFAULT_COLLECTION, topK: body.top_k, filters: body.filters, signal: abort.signal };
    if (!body.stream) return this.ask.execute(cmd);

    const events = this.ask.stream(cmd)[Symbol.asyncIterator]();
    // Errors before the first event (bad collection, provider down) still get a normal problem+json status.
    const first = await events.next();
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache, no-transform');
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    try {
      for (let it = first; !it.done; it = await events.next()) {
        const e = it.value;
        if (e.type === 'token') send('token', { text: e.text });
        else if (e.type === 'citation') send('citation', e.citation);
        else send('done', e.result);
        if (abort.signal.aborted) break;
      }
    } catch (e) {
      const problem =
        e instanceof DomainError
          ? problemFromDomainError(e)
          : { type: 'https://acervo.dev/problems/internal', title: 'Internal Server Error', status: 500, detail: 'The answer stream failed.', code: 'INTERNAL' };
      if (abort.signal.aborted) {
        // the client closed the stream: routine, not a server error (and there is nobody to send an error event to)
        this.logger.debug('client closed the answer stream');
        return;
      }
      if (!(e instanceof DomainError)) this.logger.error({ err: e }, 'ask stream failed');
      send('error', { ...problem, requestId: (req as Request & { id?: string }).id });
    } finally {
      res.end();
    }
  }
}
