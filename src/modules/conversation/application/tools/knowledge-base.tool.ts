import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { AskHandler, AskResult, UnfinishedCall } from '../../../generation';
import { SearchHandler } from '../../../retrieval';
import { Tool, ToolContext, ToolOutput } from '../ports/tool.port';
import { ToolFailedError } from '../../domain/conversation.errors';

/**
 * knowledge_base_search: the retrieval module's hybrid search. For a tool-calling model it returns numbered
 * passages to cite; for the offline agent, `answer` runs the whole grounded /v1/ask pipeline (retrieval,
 * evidence gate, the active answerer, verified citations) on the standalone question.
 */
@Injectable()
export class KnowledgeBaseTool implements Tool {
  readonly definition = {
    name: 'knowledge_base_search',
    description:
      'Busca na base de conhecimento da empresa (políticas, manuais, FAQs, documentos enviados). Use para perguntas sobre regras, procedimentos e fatos dos documentos. Devolve trechos numerados [n] para citar.',
    parameters: {
      type: 'object',
      properties: { query: { type: 'string', description: 'a pergunta completa, em português' } },
      required: ['query'],
      additionalProperties: false,
    },
  };

  constructor(
    private readonly search: SearchHandler,
    private readonly ask: AskHandler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutput> {
    const query = typeof args.query === 'string' ? args.query.trim() : '';
    if (!query || query.length > 2000) throw new ToolFailedError('knowledge_base_search', 'query must be a non-empty string of at most 2000 characters');
    const found = await this.search.execute({ query, collection: ctx.collection, topK: this.config.conversation.tools.knowledge_base_search.topK, mode: 'hybrid' });
    const passages = found.hits.map((h, i) => ({
      n: ctx.nextPassageNumber + i,
      documentId: h.documentId,
      chunkId: h.chunkId,
      title: h.title,
      text: h.text,
      score: h.score,
      start: h.start,
      ...(h.heading ? { heading: h.heading } : {}),
    }));
    const content = passages.length
      ? passages.map((p) => `[${p.n}] ${p.title}\n${p.text}`).join('\n\n')
      : 'Nenhum trecho encontrado na base de conhecimento.';
    return { content, reply: content, passages, searchTimings: found.timings };
  }

  /** The grounded answer to a standalone question (offline agent). */
  answer(question: string, ctx: ToolContext): Promise<AskResult> {
    return this.ask.execute({ question, collection: ctx.collection, signal: ctx.signal, recordUsage: false });
  }

  /** `onUnfinishedCall`: the answer's model call that failed or was cut (the turn records it). */
  answerStream(question: string, ctx: ToolContext, onUnfinishedCall?: (call: UnfinishedCall) => void) {
    return this.ask.stream({ question, collection: ctx.collection, signal: ctx.signal, recordUsage: false, onUnfinishedCall });
  }
}
