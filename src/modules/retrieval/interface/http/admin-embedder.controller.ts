import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Put, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminKeyGuard, ApiProblems } from '../../../../shared/http';
import { EmbedderAdminService } from '../../application/embedders/embedder-admin.service';
import { LoadedEmbedder } from '../../application/embedders/embedder-registry.service';
import { ReindexJob } from '../../application/reindex/reindex-job';
import {
  ChangeEmbedderDto, ChangeEmbedderResponseDto, EmbedderInfoDto, EmbedderStatusDto, ReindexJobDto, ReindexJobListDto,
} from './dto/admin-embedder.dto';

@ApiTags('admin')
@ApiSecurity('admin')
@UseGuards(AdminKeyGuard)
@Controller({ path: 'admin', version: '1' })
export class AdminEmbedderController {
  constructor(private readonly admin: EmbedderAdminService) {}

  @Put('models/embedder')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Change the embedder with zero downtime',
    description:
      'Builds the embedder and warms it up (a failure changes nothing), makes it the active one (new collections use it at once), then ' +
      're-indexes every collection (or those listed) in the background. Each collection keeps being searched and extended with its ' +
      'old embedder until its job cuts over atomically; follow progress at GET /v1/admin/reindex/{id}. Requires the admin key.',
  })
  @ApiAcceptedResponse({ type: ChangeEmbedderResponseDto })
  @ApiProblems(400, 401, 403, 404, 409, 502, 503, 504)
  async change(@Body() body: ChangeEmbedderDto): Promise<ChangeEmbedderResponseDto> {
    const result = await this.admin.change({ provider: body.provider, model: body.model, options: body.options }, body.collections);
    return { embedder: toEmbedderDto(result.embedder), jobs: result.jobs.map(toJobDto) };
  }

  @Get('models/embedder')
  @ApiOperation({ summary: 'Active embedder, embedders still loaded, and the embedder of each collection' })
  @ApiOkResponse({ type: EmbedderStatusDto })
  @ApiProblems(401, 403)
  async status(): Promise<EmbedderStatusDto> {
    const s = await this.admin.status();
    return {
      active: toEmbedderDto(s.active),
      loaded: s.loaded.map(toEmbedderDto),
      collections: s.collections.map((c) => ({ name: c.name, embedder_id: c.embedderId, dimension: c.dimension })),
    };
  }

  @Get('reindex')
  @ApiOperation({ summary: 'Re-index jobs of this process, newest first (kept in memory: a restart forgets them)' })
  @ApiOkResponse({ type: ReindexJobListDto })
  @ApiProblems(401, 403)
  list(): ReindexJobListDto {
    return { items: this.admin.jobs().map(toJobDto) };
  }

  @Get('reindex/:id')
  @ApiOperation({ summary: 'Progress of one re-index job' })
  @ApiOkResponse({ type: ReindexJobDto })
  @ApiProblems(400, 401, 403, 404)
  get(@Param('id', new ParseUUIDPipe()) id: string): ReindexJobDto {
    return toJobDto(this.admin.job(id));
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
