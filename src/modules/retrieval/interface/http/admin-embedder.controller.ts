import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminKeyGuard, ApiProblems } from '../../../../shared/http';
import { EmbedderAdminService } from '../../application/embedders/embedder-admin.service';
import { LoadedEmbedder } from '../../application/embedders/embedder-registry.service';
import { ReindexJob } from '../../application/reindex/reindex-job';
import {
  ChangeEmbedderDto, ChangeEmbedderResponseDto, EmbedderInfoDto, EmbedderStatusDto, ReindexJobDto, ReindexJobListDto,
} from './dto/admin-embedder.dto';
import { CANCEL_REINDEX_PROBLEMS, CHANGE_EMBEDDER_PROBLEMS, EMBEDDER_STATUS_PROBLEMS, GET_REINDEX_PROBLEMS, LIST_REINDEX_PROBLEMS } from './retrieval.problems';
import { Audited } from '../../../../shared/audit';

@ApiTags('admin')
@ApiSecurity('admin')
@UseGuards(AdminKeyGuard)
@Controller({ path: 'admin', version: '1' })
export class AdminEmbedderController {
  constructor(private readonly admin: EmbedderAdminService) {}

  @Put('models/embedder')
  @HttpCode(202)
  @Audited('model.embedder.swap', { target: () => 'embedder', details: (req) => ({ provider: req.body?.provider, model: req.body?.model, options: req.body?.options, collections: req.body?.collections }) })
  @ApiOperation({
    summary: 'Change the embedder with zero downtime',
    description:
      'Builds the embedder and warms it up (a failure changes nothing), makes it the active one (new collections use it at once), then ' +
      're-indexes every collection (or those listed) in the background. Each collection keeps being searched and extended with its ' +
      'old embedder until its job cuts over atomically; follow progress at GET /v1/admin/reindex/{id}. With replicas.shareModels (the ' +
      'default) the spec, without secrets, is stored in Postgres and every other process on the database makes the embedder active ' +
      'too, without a second re-index. Requires the admin key.',
  })
  @ApiBody({
    type: ChangeEmbedderDto,
    examples: {
      hashing: { summary: 'Offline hashing embedder at 256 dimensions (every collection re-indexed)', value: { provider: 'hashing', options: { dimension: 256 } } },
      transformers: {
        summary: 'Semantic embeddings on this machine (the model downloads on first use)',
        value: { provider: 'transformers', model: 'Xenova/multilingual-e5-small' },
      },
      openai: {
        summary: 'OpenAI (key from OPENAI_API_KEY) at 512 dimensions, for the default collection only',
        value: { provider: 'openai', model: 'text-embedding-3-small', options: { dimension: 512 }, collections: ['default'] },
      },
      ollama: { summary: 'A local Ollama', value: { provider: 'ollama', model: 'nomic-embed-text', options: { baseUrl: 'http://localhost:11434' } } },
    },
  })
  @ApiAcceptedResponse({ type: ChangeEmbedderResponseDto })
  @ApiProblems(...CHANGE_EMBEDDER_PROBLEMS)
  async change(@Body() body: ChangeEmbedderDto): Promise<ChangeEmbedderResponseDto> {
    const result = await this.admin.change({ provider: body.provider, model: body.model, options: body.options }, body.collections);
    return { embedder: toEmbedderDto(result.embedder), jobs: result.jobs.map(toJobDto) };
  }

  @Get('models/embedder')
  @ApiOperation({ summary: 'Active embedder, embedders still loaded, and the embedder of each collection' })
  @ApiOkResponse({ type: EmbedderStatusDto })
  @ApiProblems(...EMBEDDER_STATUS_PROBLEMS)
  async status(): Promise<EmbedderStatusDto> {
    const s = await this.admin.status();
    return {
      active: toEmbedderDto(s.active),
      loaded: s.loaded.map(toEmbedderDto),
      collections: s.collections.map((c) => ({ name: c.name, embedder_id: c.embedderId, dimension: c.dimension })),
    };
  }

  @Get('reindex')
  @ApiOperation({ summary: 'Re-index jobs, newest first (the last 100; kept in the database and run through the job queue, so a restart resumes them)' })
  @ApiOkResponse({ type: ReindexJobListDto })
  @ApiProblems(...LIST_REINDEX_PROBLEMS)
  async list(): Promise<ReindexJobListDto> {
    return { items: (await this.admin.jobs()).map(toJobDto) };
  }

  @Get('reindex/:id')
  @ApiOperation({ summary: 'Progress of one re-index job' })
  @ApiOkResponse({ type: ReindexJobDto })
  @ApiProblems(...GET_REINDEX_PROBLEMS)
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReindexJobDto> {
    return toJobDto(await this.admin.job(id));
  }

  @Post('reindex/:id/cancel')
  @HttpCode(200)
  @Audited('reindex.cancel')
  @ApiOperation({
    summary: 'Cancel a queued or running re-index',
    description:
      'Records the job as failed (its error starts with RETRIEVAL.REINDEX_CANCELLED) and drops its staged vectors: the collection stays on ' +
      'its old embedder, every chunk searchable as before, and can be re-indexed again at once. A run under way stops at its next batch, ' +
      'in whichever process runs it, without cutting over; a cancel and a cutover never both win. Needs only the database, so it also ' +
      'unblocks a re-index whose queue job was lost (queue rows deleted, Redis flushed). Answers the job as it now stands; 409 for a job ' +
      'that completed or failed already (left as it is). Requires the admin key.',
  })
  @ApiOkResponse({ type: ReindexJobDto })
  @ApiProblems(...CANCEL_REINDEX_PROBLEMS)
  async cancel(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReindexJobDto> {
    return toJobDto(await this.admin.cancelJob(id));
  }
}

function toEmbedderDto(e: LoadedEmbedder): EmbedderInfoDto {
  return {
    provider: e.info.provider,
    model_id: e.info.modelId,
    dimension: e.info.dimension,
    kind: e.info.kind,
    description: e.info.description,
    ready: e.ready,
    loaded_at: e.loadedAt.toISOString(),
    active: e.active,
  };
}

function toJobDto(j: ReindexJob): ReindexJobDto {
  return {
    id: j.id,
    collection: j.collection,
    from: j.from,
    from_dimension: j.fromDimension,
    to: j.to,
    to_dimension: j.toDimension,
    status: j.status,
    total: j.total,
    done: j.done,
    started_at: j.startedAt.toISOString(),
    ...(j.finishedAt ? { finished_at: j.finishedAt.toISOString() } : {}),
    ...(j.error ? { error: j.error } : {}),
  };
}
