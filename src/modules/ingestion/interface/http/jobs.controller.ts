import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../../../shared/http';
import { IngestJobsService } from '../../application/jobs/ingest-jobs.service';
import { Job } from '../../domain/job';
import { JobDto, JobListDto, ListJobsQueryDto } from './dto/jobs.dto';
import { GET_JOB_PROBLEMS, LIST_JOBS_PROBLEMS } from './jobs.problems';
import { uuidParam } from './uuid-param';

@ApiTags('jobs')
@Controller({ path: 'jobs', version: '1' })
export class JobsController {
  constructor(private readonly jobs: IngestJobsService) {}

  @Get()
  @ApiOperation({ summary: 'Background jobs, newest first, optionally by state' })
  @ApiOkResponse({ type: JobListDto })
  @ApiProblems(...LIST_JOBS_PROBLEMS)
  async list(@Query() q: ListJobsQueryDto): Promise<JobListDto> {
    const limit = q.limit ?? 20;
    const offset = q.offset ?? 0;
    const { items, total } = await this.jobs.list({ state: q.state, limit, offset });
    return { items: items.map(toJobDto), total, limit, offset };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'State, progress, result or error of a background job',
    description:
      'A job from a 202 of POST /v1/documents or POST /v1/documents/url. `result` (completed) is the body the synchronous route answers; ' +
      '`error` (failed) the problem it would have answered (code, status, detail). A transient failure (database or provider unavailable) ' +
      'is retried with backoff up to jobs.maxAttempts; bad input fails at once.',
  })
  @ApiOkResponse({ type: JobDto })
  @ApiProblems(...GET_JOB_PROBLEMS)
  async get(@Param('id', uuidParam()) id: string): Promise<JobDto> {
    return toJobDto(await this.jobs.get(id));
  }
}

export function jobLocation(job: Job): string {
  return `/v1/jobs/${job.id}`;
}

function toJobDto(j: Job): JobDto {
  return {
    id: j.id,
    kind: j.kind,
    state: j.state,
    progress: j.progress,
    attempts: j.attempts,
    max_attempts: j.maxAttempts,
    ...(j.result !== undefined ? { result: j.result as Record<string, unknown> } : {}),
    ...(j.error ? { error: j.error } : {}),
    created_at: j.createdAt.toISOString(),
    ...(j.startedAt ? { started_at: j.startedAt.toISOString() } : {}),
    ...(j.finishedAt ? { finished_at: j.finishedAt.toISOString() } : {}),
    run_after: j.runAfter.toISOString(),
  };
}
