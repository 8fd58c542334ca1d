import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { type FSWatcher, watch } from 'chokidar';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { IngestJobsService } from '../../application/jobs/ingest-jobs.service';
import { Job } from '../../domain/job';

/** Names an editor or a copy in progress leaves behind: never ingested. */
const TEMPORARY = /^\.|~$|\.(tmp|part|crdownload|swp)$/i;

/**
 * The folder inbox (seed 000), a driving adapter like the controllers: every file put in inbox.dir (INBOX_DIR),
 * or changed there, becomes an ingest job through IngestJobsService, the path of `POST /v1/documents?async=true`.
 * When its job completes the file moves to done/; when it fails, to failed/ beside `<name>.error.json` (the job's
 * problem). Files already there at start-up are picked up; a file is read only once its size has been stable for
 * inbox.stableMs (chokidar's awaitWriteFinish), so a copy in progress is not read half. It runs where jobs run
 * (the worker, or the API unless WORKER_EMBEDDED=false).
 */
@Injectable()
export class InboxWatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Inbox');
  private readonly stop = new AbortController();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly changedAgain = new Set<string>();
  private watcher?: FSWatcher;
  private dir?: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: IngestJobsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { dir, stableMs } = this.config.inbox;
    if (!dir || !this.config.jobs.embeddedWorker) return;
    this.dir = resolve(dir);
    await mkdir(join(this.dir, 'done'), { recursive: true });
    await mkdir(join(this.dir, 'failed'), { recursive: true });
    const watcher = watch(this.dir, {
      depth: 0,
      ignoreInitial: false,
      awaitWriteFinish: { stabilityThreshold: stableMs, pollInterval: Math.max(25, Math.min(100, Math.floor(stableMs / 4))) },
      ignored: (path, stats) => path !== this.dir && (dirname(path) !== this.dir || TEMPORARY.test(basename(path)) || (stats !== undefined && !stats.isFile())),
    });
    this.watcher = watcher;
    watcher.on('add', (path) => this.onFile(path));
    watcher.on('change', (path) => this.onFile(path));
    watcher.on('error', (e) => this.logger.warn(`watching ${this.dir} failed: ${(e as Error).message}`));
    await new Promise<void>((ready) => watcher.once('ready', () => ready()));
    this.logger.log(`watching ${this.dir} (done/ and failed/ inside it)`);
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    await this.watcher?.close();
    // files whose jobs are still running stay where they are: the next start picks them up again
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private onFile(path: string): void {
    if (this.stop.signal.aborted) return;
    if (this.inFlight.has(path)) {
      this.changedAgain.add(path);
      return;
    }
    const run = this.ingest(path)
      .catch((e: Error) => this.logger.warn(`${basename(path)}: ${e.message} (left in the inbox for the next start)`))
      .finally(() => this.inFlight.delete(path));
    this.inFlight.set(path, run);
  }

  /** One file to its end: a job, its outcome, the move; again while the file changed meanwhile. */
  private async ingest(path: string): Promise<void> {
    const name = basename(path);
    for (;;) {
      this.changedAgain.delete(path);
      const content = await readFile(path).catch(() => undefined);
      if (!content) return; // moved or deleted meanwhile
      const submitted = await this.jobs.submitFiles({ collection: this.config.inbox.collection, files: [{ buffer: content, filename: name }], metadata: { inbox: name } });
      this.logger.log(`${name}: job ${submitted.id}`);
      const job = await this.outcome(submitted);
      if (!job) return; // stopping
      const now = await readFile(path).catch(() => undefined);
      if (now && !now.equals(content)) continue; // rewritten while its job ran: ingest the new content
      if (!now) return;
      if (job.state === 'completed') {
        await rename(path, this.destination('done', name));
        this.logger.log(`${name}: ingested (job ${job.id}), moved to done/`);
      } else {
        const target = this.destination('failed', name);
        await writeFile(`${target}.error.json`, JSON.stringify({ file: name, job_id: job.id, error: job.error, failed_at: new Date().toISOString() }, null, 2) + '\n');
        await rename(path, target);
        this.logger.warn(`${name}: ${job.error?.code ?? 'failed'} (job ${job.id}), moved to failed/`);
      }
      return;
    }
  }

  private async outcome(job: Job): Promise<Job | undefined> {
    let current = job;
    while (current.state !== 'completed' && current.state !== 'failed') {
      if (this.stop.signal.aborted) return undefined;
      await new Promise((r) => setTimeout(r, this.config.inbox.pollMs));
      current = await this.jobs.get(job.id);
    }
    return current;
  }

  /** done/<name>, or done/<stem>.<timestamp><ext> when a file of that name is already there. */
  private destination(folder: 'done' | 'failed', name: string): string {
    const plain = join(this.dir!, folder, name);
    if (!existsSync(plain) && !existsSync(`${plain}.error.json`)) return plain;
    const ext = extname(name);
    return join(this.dir!, folder, `${name.slice(0, name.length - ext.length)}.${new Date().toISOString().replace(/[:.]/g, '-')}${ext}`);
  }
}

