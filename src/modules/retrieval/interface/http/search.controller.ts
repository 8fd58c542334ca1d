import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../../../shared/http';
import { SearchHandler } from '../../application/search/search.handler';
import { DEFAULT_COLLECTION } from '../../domain/collection-name';
import { SearchRequestDto, SearchResponseDto } from './dto/search.dto';
import { SEARCH_PROBLEMS } from './retrieval.problems';

@ApiTags('search')
@Controller({ path: 'search', version: '1' })
export class SearchController {
  constructor(private readonly search: SearchHandler) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Search the knowledge base',
    description: 'Hybrid search (pgvector cosine + Postgres full-text fused with Reciprocal Rank Fusion), or one branch alone.',
  })
  @ApiOkResponse({ type: SearchResponseDto })
  @ApiProblems(...SEARCH_PROBLEMS)
  async run(@Body() body: SearchRequestDto): Promise<SearchResponseDto> {
    const result = await this.search.execute({
      query: body.query,
      collection: body.collection ?? DEFAULT_COLLECTION,
      topK: body.top_k,
      mode: body.mode,
      minScore: body.min_score,
      filters: body.filters,
    });
    return {
      hits: result.hits.map((h) => ({
        document_id: h.documentId,
        chunk_id: h.chunkId,
        title: h.title,
        text: h.text,
        score: h.score,
        ranks: h.ranks,
        coverage: h.coverage,
        metadata: h.metadata,
        start: h.start,
        end: h.end,
        ...(h.heading ? { heading: h.heading } : {}),
      })),
      mode: result.mode,
      collection: result.collection,
      embedder: result.embedder,
      timings: result.timings,
    };
  }
}
