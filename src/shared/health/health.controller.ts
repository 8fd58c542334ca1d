import { Controller, Get, Inject, Res, ServiceUnavailableException, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { DATA_SOURCE, DATABASE_STATE, DatabaseState } from '../database/database.module';
import { HealthRegistry } from './health-registry';

const PROBE_TIMEOUT_MS = 3000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p.finally(() => clearTimeout(t)), new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} did not answer in ${ms} ms`)), ms)))]);
}

@ApiTags('health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: HealthRegistry,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(DATABASE_STATE) private readonly dbState: DatabaseState,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness probe: the process answers (no dependency is checked)' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([async () => this.indicator.check('process').up({ uptime_s: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness probe: 200 only when migrations ran, the database answers, the embedder is loaded, the process is not saturated and not shutting down',
  })
  @ApiResponse({ status: 200, description: 'Ready: every check is up (Terminus health check result)', schema: { example: readyExample(true) } })
  @ApiResponse({ status: 503, description: 'Not ready: the body says which check is down and why', schema: { example: readyExample(false) } })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database(),
        ...this.registry.all().map((c) => async () => {
          const ind = this.indicator.check(c.name);
          try {
            const r = await withTimeout(c.check(), PROBE_TIMEOUT_MS, c.name);
            if (r.up) return ind.up(r.details);
            return c.critical === false ? ind.up({ ...r.details, degraded: true }) : ind.down(r.details);
          } catch (e) {
            const details = { message: (e as Error).message };
            return c.critical === false ? ind.up({ ...details, degraded: true }) : ind.down(details);
          }
        }),
      ]);
    } catch (e) {
      if (e instanceof ServiceUnavailableException) {
        res.status(503);
        return e.getResponse() as HealthCheckResult;
      }
      throw e;
    }
  }

  private async database() {
    const ind = this.indicator.check('database');
    const cache = this.dbState.bufferCache;
    const details = {
      mode: this.dbState.mode,
      migrations: this.dbState.migrationsRan ? 'applied' : 'pending',
      // embedded: the buffer cache chosen at boot and the data it was sized for
      ...(cache ? { shared_buffers: cache.setting, shared_buffers_source: cache.source, data_mb_at_boot: Math.round(cache.dataBytes / 2 ** 20) } : {}),
    };
    if (!this.dbState.migrationsRan) return ind.down(details);
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), PROBE_TIMEOUT_MS, 'database');
      return ind.up(details);
    } catch (e) {
      return ind.down({ ...details, message: (e as Error).message });
    }
  }
}

/** The readiness body as Terminus writes it, for Swagger (checked against a running app). */
function readyExample(up: boolean): Record<string, unknown> {
  const database = { mode: 'embedded', migrations: 'applied', shared_buffers: '256MB', shared_buffers_source: 'auto', data_mb_at_boot: 41, status: 'up' };
  const embedder = up
    ? { provider: 'hashing', model: 'hashing:v1:384', kind: 'lexical', loaded: true, status: 'up' }
    : {
        provider: 'ollama',
        model: 'ollama:nomic-embed-text:768',
        kind: 'semantic',
        loaded: false,
        error: 'Embedder "ollama" is unavailable: cannot connect to http://localhost:11434 (ECONNREFUSED)',
        status: 'down',
      };
  const llm = { provider: 'extractive', model: 'extractive-v1', kind: 'extractive', status: 'up' };
  const lifecycle = { state: 'serving', in_flight: 1, status: 'up' };
  const http = { in_flight: 0, max_in_flight: 64, status: 'up' };
  // the text branch's postings in memory (retrieval.textCache)
  const text_cache = { max_postings: 6000000, postings: 1364463, lexemes: 538, collections: 1, chunks: 99820, approx_bytes: 24893224, hits: 530, misses: 150, evictions: 0, status: 'up' };
  const details = { database, embedder, lifecycle, http, llm, text_cache };
  return up
    ? { status: 'ok', info: details, error: {}, details }
    : { status: 'error', info: { database, lifecycle, http, llm, text_cache }, error: { embedder }, details };
}
