import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { type FSWatcher, watch } from 'chokidar';
import { APP_CONFIG, AppConfig, configProblemSummary, configSources } from '../../../../shared/config';
import { SharedState } from '../../../../shared/replicas';
import { ConfigReloader } from '../../application/models/config-reloader.service';

/** Stored in shared_state when one process claims the reload of an edited config (no handler: others skip it). */
const CONFIG_FILES_KEY = 'config-files';

/**
 * config.watch (seed 002): a driving adapter like the controller. An edit to a config file the app loaded
 * (default.yaml, pricing.yaml, the APP_PROFILES files; or the `..data` link Kubernetes swaps when a ConfigMap
 * changes) is applied like POST /v1/admin/config/reload, config.debounceMs after the last event. A file that does not
 * load (bad YAML, an invalid value) is logged without its content and ignored: the running config stays.
 *
 * Replicas watching one ConfigMap: the first to claim the new content (a hash in shared_state) runs the reload that
 * re-indexes and is shared; the others apply their YAML without a re-index (as for a reload shared by another).
 */
@Injectable()
export class ConfigFileWatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ConfigWatch');
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reloader: ConfigReloader,
    private readonly shared: SharedState,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.config.watch) return;
    const { dir, files } = configSources();
    const names = new Set(files.map((f) => basename(f)));
    const root = resolve(dir);
    const watcher = watch(root, {
      depth: 0,
      ignoreInitial: true,
      ignored: (path) => path !== root && !names.has(basename(path)) && !basename(path).startsWith('..'),
    });
    this.watcher = watcher;
    watcher.on('all', () => this.schedule());
    watcher.on('error', (e) => this.logger.warn(`watching ${root} failed: ${(e as Error).message}`));
    await new Promise<void>((ready) => watcher.once('ready', () => ready()));
    this.logger.log(`watching ${[...names].join(', ')} in ${root}: edits are applied like POST /v1/admin/config/reload`);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.watcher?.close();
    await this.running;
  }

  /** Resolves when the reload the last event scheduled has run (tests; nothing waits for it otherwise). */
  idle(): Promise<void> {
    return this.running;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.running.then(() => this.apply());
    }, this.config.config.debounceMs);
    this.timer.unref();
  }

  private async apply(): Promise<void> {
    if (this.stopped) return;
    try {
      const claimed = await this.shared.claim(CONFIG_FILES_KEY, { sha256: contentHash(configSources().files) });
      const r = await this.reloader.reload({ remote: !claimed });
      const embedder = typeof r.embedder === 'string' ? r.embedder : r.embedder.model;
      this.logger.log(
        `config file change applied${claimed ? '' : ' (another process shares it)'}: llm ${r.llm}, embedder ${embedder}, applied [${r.applied.join(', ')}], restart needed for [${r.restart_needed_for.join(', ')}]`,
      );
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      this.logger.warn(`config file change ignored, the running config stays: ${configProblemSummary(message)}`);
    }
  }
}

function contentHash(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('\0missing');
    }
  }
  return hash.digest('hex');
}
