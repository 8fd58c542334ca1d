import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { JOB_KINDS, JOB_STATES } from '../../../domain/job';
import { PageQueryDto } from './documents.dto';

export class JobAcceptedDto {
  @ApiProperty({ format: 'uuid', example: '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a3b' }) job_id!: string;
  @ApiProperty({ enum: JOB_STATES, example: 'waiting' }) state!: string;
  @ApiProperty({ description: 'Where to follow the job (also in the Location header)', example: '/v1/jobs/3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a3b' })
  status_url!: string;
}

export class JobProgressDto {
  @ApiProperty({ description: 'Documents written so far', example: 120 }) done!: number;
  @ApiPropertyOptional({ description: 'Documents the job holds, once its files are parsed', example: 800 }) total?: number;
}

export class JobErrorDto {
  @ApiProperty({ description: 'The code the synchronous request would have answered', example: 'INGESTION.UNREADABLE_DOCUMENT' }) code!: string;
  @ApiProperty({ description: 'Its HTTP status', example: 422 }) status!: number;
  @ApiProperty({ example: 'Document "contatos.json" could not be read: invalid JSON' }) detail!: string;
}

export class JobDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: JOB_KINDS, example: 'ingest-files' }) kind!: string;
  @ApiProperty({
    enum: JOB_STATES,
    description: 'waiting (queued, or waiting for a retry), active (running), completed (`result` set), failed (`error` set)',
    example: 'completed',
  })
  state!: string;
  @ApiProperty({ type: JobProgressDto }) progress!: JobProgressDto;
  @ApiProperty({ description: 'Tries started (retries of transient failures and resumed runs count)', example: 1 }) attempts!: number;
  @ApiProperty({ example: 3 }) max_attempts!: number;
  @ApiPropertyOptional({
    description: 'completed: what the synchronous route answers (an upload: `{documents: [...]}`; a URL or a text: one ingest result)',
    type: 'object',
    additionalProperties: true,
    example: { documents: [{ id: 'c0a8012e-4b7f-4c2e-9d3a-5e6f7a8b9c0d', title: 'Contatos', deduplicated: false, replaced: false, chunks: 1 }] },
  })
  result?: Record<string, unknown>;
  @ApiPropertyOptional({ type: JobErrorDto, description: 'failed: why; waiting after a transient failure: the last error' }) error?: JobErrorDto;
  @ApiProperty({ example: '2026-12-01T08:00:00.000Z' }) created_at!: string;
  @ApiPropertyOptional({ example: '2026-12-01T08:00:00.120Z' }) started_at?: string;
  @ApiPropertyOptional({ example: '2026-12-01T08:00:04.870Z' }) finished_at?: string;
  @ApiProperty({ description: 'A waiting job starts no earlier than this (a retry\'s backoff)', example: '2026-12-01T08:00:00.000Z' }) run_after!: string;
}

export class JobListDto {
  @ApiProperty({ type: [JobDto] }) items!: JobDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

export class ListJobsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATES })
  @IsOptional()
  @IsIn(JOB_STATES)
  state?: (typeof JOB_STATES)[number];
}
