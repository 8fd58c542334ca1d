import { Body, Controller, Get, HttpCode, Inject, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminKeyGuard, ApiProblems } from '../../../../shared/http';
import { ChunkIndexer } from '../../../retrieval';
import { LlmRegistry } from '../../application/models/llm-registry.service';
import { ConfigReloader } from '../../application/models/config-reloader.service';
import { SharedModels } from '../../application/models/shared-models.service';
import { SwapLlmDto } from './dto/models.dto';
import { RELOAD_CONFIG_PROBLEMS, SWAP_LLM_PROBLEMS } from './generation.problems';
import { Audited } from '../../../../shared/audit';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';

// Tagged per route: model-info under models, the admin routes with the other admin routes.
@Controller({ version: '1' })
export class ModelsController {
  constructor(
    private readonly llms: LlmRegistry,
    private readonly indexer: ChunkIndexer,
    private readonly reloader: ConfigReloader,
    private readonly sharedModels: SharedModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('model-info')
  @ApiTags('models')
  @ApiOperation({
    summary: 'Active LLM and embedder, and the embedder each collection was built with (Kubernetes model probe)',
    description:
      '`shared` (LLM and embedder): the shared entry this process follows (replicas.shareModels): `swap` (an admin swap, on this ' +
      'process or another, `by`) or `config` (the YAML, after a reload), when it was written and applied here, and `error` when this ' +
      'process could not apply it (it still runs its previous model). null: no swap or reload since the database was created (the YAML). ' +
      '`auth.mode`: `open` (no credential needed, and one sent is not checked) or `required`.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        llm: {
          provider: 'groq', model: 'llama-3.3-70b-versatile', kind: 'chat', context_window: 131072, streaming: true, tool_calling: true, fallback: [], loaded_at: '2026-11-21T12:00:00.000Z',
          shared: { source: 'swap', version: 7, updated_at: '2026-11-21T12:00:00.000Z', by: 'api-7f9c:1:4b1e2a90', this_instance: false, applied_at: '2026-11-21T12:00:00.180Z' },
        },
        embedder: { provider: 'hashing', model: 'hashing:v1:384', dimension: 384, kind: 'lexical', loaded_at: '2026-11-21T12:00:00.000Z', shared: null },
        collections: [{ name: 'default', embedder: 'hashing:v1:384', dimension: 384, created_at: '2026-11-21T12:01:00.000Z' }],
        sharing: { enabled: true, instance: 'api-5d2e:1:9c0a1d2e', notify: 'postgres' },
        auth: { mode: 'required' },
      },
    },
  })
  async info() {
    const llm = this.llms.status();
    const embedder = this.indexer.embedderStatus();
    const collections = await this.indexer.listCollections();
    return {
      llm: {
        provider: llm.info.provider,
        model: llm.info.model,
        kind: llm.info.kind,
        description: llm.info.description,
        context_window: llm.info.contextWindow ?? null,
        streaming: llm.info.capabilities.streaming,
        tool_calling: llm.info.capabilities.toolCalling,
        fallback: llm.fallback,
        loaded_at: llm.loadedAt.toISOString(),
        shared: this.sharedModels.origin('llm'),
      },
      embedder: {
        provider: embedder.info.provider,
        model: embedder.info.modelId,
        dimension: embedder.info.dimension,
        kind: embedder.info.kind,
        description: embedder.info.description,
        loaded: embedder.ready,
        loaded_at: embedder.loadedAt.toISOString(),
        shared: this.sharedModels.origin('embedder'),
      },
      collections: collections.map((c) => ({ name: c.name, embedder: c.embedderId, dimension: c.dimension, created_at: c.createdAt.toISOString() })),
      sharing: this.sharedModels.sharing(),
      // the web UI's "Salvar e testar": in open mode a credential is not checked, so a made-up one is not "accepted"
      auth: { mode: this.config.auth.mode },
    };
  }

  @Put('admin/models/llm')
  @UseGuards(AdminKeyGuard)
  @Audited('model.llm.swap', { target: () => 'llm', details: (req) => ({ provider: req.body?.provider, model: req.body?.model, options: req.body?.options }) })
  @ApiTags('admin')
  @ApiSecurity('admin')
  @ApiOperation({
    summary: 'Swap the LLM at runtime (validated, probed, then swapped atomically; requests in flight finish on the old one)',
    description:
      'With replicas.shareModels (the default) the new settings, without the API key, are stored in Postgres and every other process ' +
      'on the database applies them within a second (or replicas.pollMs); a process started later comes up on them. A key sent in ' +
      'options.apiKey is not shared: the others use their configured key for the same server.',
  })
  @ApiOkResponse({ schema: { example: { llm: { provider: 'groq', model: 'llama-3.3-70b-versatile' }, previous: 'extractive:extractive-v1', loaded_at: '2026-11-21T12:00:00.000Z', swap_ms: 180 } } })
  @ApiBody({
    type: SwapLlmDto,
    examples: {
      extractive: { summary: 'The offline extractive answerer (no model, no key)', value: { provider: 'extractive' } },
      groq: { summary: 'Groq (key from GROQ_API_KEY)', value: { provider: 'groq', model: 'llama-3.3-70b-versatile' } },
      openai: {
        summary: 'A local OpenAI-compatible server (vLLM, LM Studio, llama.cpp)',
        value: { provider: 'openai', model: 'qwen2.5-7b-instruct', options: { baseUrl: 'http://localhost:8000/v1', temperature: 0.1, maxTokens: 512 } },
      },
      ollama: { summary: 'A local Ollama with the model pulled', value: { provider: 'ollama', model: 'llama3.2' } },
    },
  })
  @ApiProblems(...SWAP_LLM_PROBLEMS)
  async swapLlm(@Body() body: SwapLlmDto) {
    const started = Date.now();
    const r = await this.sharedModels.swapLlm({ provider: body.provider, model: body.model, options: body.options });
    return { llm: { provider: r.info.provider, model: r.info.model, kind: r.info.kind }, previous: r.previous, loaded_at: r.loadedAt.toISOString(), swap_ms: Date.now() - started };
  }

  @Post('admin/config/reload')
  @HttpCode(200)
  @UseGuards(AdminKeyGuard)
  @Audited('config.reload', { target: () => 'config' })
  @ApiTags('admin')
  @ApiSecurity('admin')
  @ApiOperation({
    summary: 'Re-read config/*.yaml and apply model changes (LLM and embedder) the same way as the swap endpoints',
    description:
      'An admin swap goes back to the YAML model even when its section did not change. With replicas.shareModels every other ' +
      'process on the database repeats the reload with its own YAML (the re-index runs here only). config.watch runs the same reload ' +
      'when a loaded config file changes.',
  })
  @ApiOkResponse({
    description:
      'What changed: the new LLM (or "unchanged"), the new embedder with the re-index jobs it started (or "unchanged"), ' +
      'the settings applied, and the changed settings that take effect only after a restart',
    schema: {
      example: {
        llm: 'groq:llama-3.3-70b-versatile',
        embedder: { model: 'openai:text-embedding-3-small:1536', reindex_jobs: ['9b2f1c3e-5a7d-4e8b-9c0a-1d2e3f4a5b6c'] },
        applied: ['generation.llm', 'retrieval.embedder'],
        restart_needed_for: ['retrieval.textSearchConfig'],
      },
    },
  })
  @ApiProblems(...RELOAD_CONFIG_PROBLEMS)
  reload() {
    return this.reloader.reload();
  }
}
