import { isIP } from 'node:net';
import { z } from 'zod';
import { USER_ID_PATTERN, USER_ID_RULE } from '../http/principal';
import { patternProblem } from '../privacy/pii-detector';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()) : v),
  z.boolean(),
);
const SIZE_UNITS: Record<string, number> = { kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30 };
/** Bytes in a Postgres size setting such as `128MB` (0 when it is not one). */
export const sizeBytes = (v: string): number => {
  const m = /^(\d+)(kB|MB|GB)$/.exec(v);
  return m ? Number(m[1]) * SIZE_UNITS[m[2]] : 0;
};
const optionalNumber = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.coerce.number().min(0).optional());
const optionalString = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().optional());
const stringList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : (v ?? []),
  z.array(z.string()),
);

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
/** An address or subnet of `http.trustProxy`: IPv4 or IPv6, with an optional /prefix within the family's bits. */
function proxyAddress(item: string): boolean {
  const [address, prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}
/** `http.trustProxy` as Express takes it: false (`none`), a hop count, or a list of names, addresses and subnets. */
const trustProxy = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z
    .string()
    .trim()
    .min(1)
    .transform((v, ctx): false | number | string[] => {
      if (v === 'none') return false;
      if (/^\d+$/.test(v)) return Number(v);
      const items = v.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = items.filter((i) => !PROXY_NAMES.has(i) && !proxyAddress(i));
      if (bad.length > 0 || items.length === 0) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not an address, a subnet, loopback, linklocal or uniquelocal: ${bad.join(', ') || v}` });
        return z.NEVER;
      }
      return items;
    }),
);

export const EMBEDDER_PROVIDERS = ['hashing', 'transformers', 'openai', 'ollama'] as const;
export const SEARCH_MODES = ['vector', 'text', 'hybrid'] as const;
export const LLM_PROVIDERS = ['extractive', 'openai', 'groq', 'ollama'] as const;
/**
 * Where background jobs are kept: `postgres` (the jobs table), `bull` (Bull queues on Redis, jobs.redisUrl), `auto`
 * (bull when jobs.redisUrl / REDIS_URL is set, else postgres).
 */
export const JOB_BACKENDS = ['auto', 'postgres', 'bull'] as const;

const llmEndpoint = z.object({
  baseUrl: z.string().url(),
  apiKey: optionalString,
  model: z.string().min(1),
  contextWindow: int(1).optional(),
});

export const appConfigSchema = z.object({
  app: z.object({
    port: int(0, 65535),
    dataDir: z.string().min(1),
    apiVersion: z.coerce.string(),
  }),
  http: z.object({
    /** Limits on every JSON value a request carries (bodies, JSON form fields, JSON query parameters). */
    json: z.object({
      maxDepth: int(1, 1000),
      maxKeys: int(1),
      /** Bytes of a JSON body; POST /v1/documents* (text ingestion) takes ingestion.maxFileBytes. Past it: 413 REQUEST.TOO_LARGE. */
      maxBytes: int(1024),
    }),
    /** Origins a browser may call from (CORS): a list, or `*`; empty (the default) sends no CORS headers. */
    cors: z.object({
      origins: stringList.pipe(z.array(z.union([z.literal('*'), z.string().url().regex(/^[a-z][a-z0-9+.-]*:\/\/[^/]+$/i, 'an origin is scheme://host[:port], without a path')]))),
      maxAgeSeconds: int(0, 86400),
    }),
    /** Helmet's security headers (CSP, HSTS, nosniff, frame options...) on every answer. */
    securityHeaders: bool,
    /**
     * Which peers' X-Forwarded-For is believed for the client address (rate limits, credential-guessing counts, logs):
     * `loopback` (the default), a list of addresses, subnets (CIDR) and the names loopback / linklocal / uniquelocal,
     * a number of proxy hops, or `none`. Express's `trust proxy`.
     */
    trustProxy: trustProxy,
    /** Requests served at once per process; past it, 503 REQUEST.OVERLOADED with Retry-After (0 disables). */
    backpressure: z.object({ maxInFlight: int(0, 100000), retryAfterSeconds: int(1, 3600) }),
    /** SIGTERM/SIGINT: in-flight requests and streams get this long to finish, closing included (then exit 1). */
    shutdown: z.object({ graceMs: int(0, 3_600_000), stopAcceptingAfterMs: int(0, 3_600_000) }),
    /**
     * The chat WebSocket's sockets (0 turns each off): open ones per process (past it closed 1013) and per caller (a
     * user, or an address without a credential; past it closed 4429), a ping every pingIntervalMs (a socket that did
     * not answer the previous one is dropped), and closed 4408 after idleTimeoutMs without a message or a turn running.
     */
    ws: z.object({
      maxConnections: int(0, 1_000_000),
      maxConnectionsPerCaller: int(0, 1_000_000),
      pingIntervalMs: int(0, 3_600_000),
      idleTimeoutMs: int(0, 86_400_000),
    }),
  }),
  logging: z.object({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    format: z.enum(['auto', 'json', 'pretty']),
  }),
  database: z.object({
    url: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: 'must be a postgres:// or postgresql:// URL',
    }),
    poolSize: int(1, 200),
    statementTimeoutMs: int(0),
    embedded: z.object({
      dir: z.string().min(1),
      maxConnections: int(1, 100),
      sharedBuffers: z
        .string()
        .regex(/^(auto|\d+(kB|MB|GB))$/, 'must be auto or a size like 128MB, 512MB or 1GB')
        .refine((v) => v === 'auto' || (sizeBytes(v) >= 16 * 2 ** 20 && sizeBytes(v) <= 2 ** 30), {
          message: 'must be between 16MB and 1GB',
        }),
      /** Embedded mode has no autovacuum: the app vacuums the ingestion tables on a timer (intervalMs 0: never). */
      vacuum: z.object({
        intervalMs: int(0, 86_400_000),
        /** Pages written since a table's last VACUUM before it is vacuumed again (8 kB each). */
        minPages: int(1, 10_000_000),
      }),
    }),
  }),
  ingestion: z.object({
    maxFileBytes: int(1),
    maxFilesPerRequest: int(1, 1000),
    maxTextChars: int(1),
    /** Bytes of a request's document metadata as JSON (POST /v1/documents, uploads, /url); past it 413 INGESTION.METADATA_TOO_LARGE. */
    maxMetadataBytes: int(2),
    /** Budgets a parser enforces while it reads a file (issue 12's bombs). */
    limits: z.object({ maxDecompressedBytes: int(1), maxColumns: int(1), maxRecords: int(1) }),
    /** PDF and .docx parsing in worker threads (0: on the app thread), each file with a wall-clock and a heap budget. */
    parse: z.object({ workers: int(0, 32), timeoutMs: int(100, 3_600_000), maxMemoryMb: int(32, 16384), maxQueued: int(0, 10_000) }),
    /** Uploads past these go to the background job path (202) unless the caller forces ?async=false. */
    async: z.object({ thresholdBytes: int(1), thresholdRecords: int(1) }),
    /** Many documents (CSV rows, files of one upload, a job, a CLI run) are written in batches of this size. */
    /** ...and up to `writers` batches are written at once on a Postgres server (each its own connection; 1 when embedded). */
    batch: z.object({ documents: int(1, 10000), characters: int(1), writers: int(1, 16) }),
    /**
     * A CLI run on the embedded database expected to write at least `minChunks` chunks and more than the vectors of its
     * dimension already indexed: the HNSW index is dropped first and built once at the end (ChunkIndexer.beginBulkImport).
     */
    bulkIndex: z.object({ enabled: bool, minChunks: int(1) }),
    chunking: z
      .object({ unit: z.enum(['tokens', 'characters']), size: int(16), overlap: int(0) })
      .refine((c) => c.overlap < c.size, { message: 'overlap must be smaller than size', path: ['overlap'] }),
    csv: z.object({
      delimiter: z.union([z.literal('auto'), z.string().length(1)]),
      textColumns: stringList,
      titleColumn: z.string(),
      idColumn: z.string(),
      listColumns: stringList,
      detectListColumns: bool,
      listSeparator: z.string().min(1),
    }),
    url: z.object({
      timeoutMs: int(100),
      maxBytes: int(1),
      maxRedirects: int(0, 20),
      allowPrivateNetworks: bool,
      userAgent: z.string(),
    }),
  }),
  /** Long operations (background ingest jobs, re-index): their own bounded lane, apart from the request lane. */
  jobs: z.object({
    backend: z.enum(JOB_BACKENDS),
    /** Long operations running at once in this process (ingest jobs and re-index jobs together); 0 pauses the lane. */
    concurrency: int(0, 64),
    maxAttempts: int(1, 20),
    /** Delay before the first retry of a transient failure, doubled at each attempt. */
    backoffMs: int(0),
    pollIntervalMs: int(10, 60000),
    /** A running job not renewed for this long (its process died) is picked up again. */
    leaseMs: int(1000),
    /** Redis of the bull backend (REDIS_URL). */
    redisUrl: optionalString,
    /** Prefix of the bull backend's Redis keys (several deployments on one Redis). */
    redisPrefix: z.string().min(1),
    /** The longest a request waits on the bull backend's Redis before answering 503 INGESTION.QUEUE_UNAVAILABLE. */
    redisTimeoutMs: int(100, 60_000),
    /** Whether this API process runs jobs too (WORKER_EMBEDDED); false leaves them to `npm run start:worker`. */
    embeddedWorker: bool,
    /** The port of a worker's (`npm run start:worker`) GET /metrics and /health/live (WORKER_METRICS_PORT); 0: none. */
    workerMetricsPort: int(0, 65535),
  }),
  /** The folder inbox (seed 000): files dropped in `dir` are ingested as jobs, then moved to done/ or failed/. */
  inbox: z.object({
    /** INBOX_DIR; unset: no inbox. */
    dir: optionalString,
    collection: z.string().min(1),
    /** A file is read once its size has not changed for this long (a copy still being written is not read half). */
    stableMs: int(50, 600_000),
    /** How often a job started by the inbox is checked for its outcome. */
    pollMs: int(10, 60_000),
  }),
  retrieval: z.object({
    /** Size limits of a metadata filter (search, ask, document listing). */
    filters: z.object({
      maxKeys: int(1, 1000),
      maxInValues: int(1, 10000),
      // the statement's own parameters come on top, within the protocol's 65535
      maxParameters: int(1, 65000),
    }),
    /** BM25 postings kept in memory (postings-memory.cache.ts); 0 disables. */
    textCache: z.object({ maxPostings: int(0, 500_000_000) }),
    textSearchConfig: z.string().regex(/^[a-z_]+$/, 'must be a Postgres text search configuration name'),
    embedder: z.object({
      provider: z.enum(EMBEDDER_PROVIDERS),
      batchSize: int(1, 4096),
      hashing: z.object({ dimension: int(8, 2000) }),
      transformers: z.object({
        model: z.string().min(1),
        cacheDir: z.string().min(1),
        remoteHost: z.string().url(),
        localOnly: bool,
        queryPrefix: z.string(),
        documentPrefix: z.string(),
      }),
      openai: z.object({
        baseUrl: z.string().url(),
        apiKey: optionalString,
        model: z.string().min(1),
        dimension: int(1, 2000),
        timeoutMs: int(100),
        maxRetries: int(0, 10),
      }),
      ollama: z.object({
        baseUrl: z.string().url(),
        model: z.string().min(1),
        dimension: int(1, 2000),
        timeoutMs: int(100),
      }),
    }),
    search: z.object({
      defaultTopK: int(1, 1000),
      maxTopK: int(1, 1000),
      defaultMode: z.enum(SEARCH_MODES),
      candidates: int(1, 5000),
      lexicalVectorCandidates: int(1, 5000),
      efSearch: int(1, 1000),
      rrf: z.object({
        k: int(1),
        vectorWeight: z.coerce.number().min(0),
        lexicalVectorWeight: z.coerce.number().min(0),
        textWeight: z.coerce.number().min(0),
      }),
      bm25: z.object({ k1: z.coerce.number().min(0).max(10), b: z.coerce.number().min(0).max(1) }),
      rerank: z.object({ proximityWeight: z.coerce.number().min(0).max(10), titleWeight: z.coerce.number().min(0).max(10) }),
    }),
  }),
  generation: z.object({
    llm: z.object({
      provider: z.enum(LLM_PROVIDERS),
      /** Tried in order when the provider before it fails (e.g. [openai, extractive]). */
      fallback: z.array(z.enum(LLM_PROVIDERS)),
      timeoutMs: int(100),
      maxRetries: int(0, 10),
      temperature: z.coerce.number().min(0).max(2),
      maxTokens: int(1, 32768),
      openai: llmEndpoint,
      groq: llmEndpoint,
      ollama: llmEndpoint.extend({ keepAlive: z.string().optional() }),
      extractive: z.object({ maxSentences: int(1, 20), minSupport: z.coerce.number().min(0).max(1), shortQuestionStep: z.coerce.number().min(0).max(0.3) }),
    }),
    ask: z.object({
      topK: int(1, 100),
      contextTokens: int(64),
      /** Abstain when the best passage covers less than this share of the question's information (IDF-weighted). */
      minEvidence: z.coerce.number().min(0).max(1),
      /** A cited sentence must share at least this share of its content words with the cited passage. */
      citationSupport: z.coerce.number().min(0).max(1),
      language: z.string().min(2),
      refusal: z.string().min(1),
      templates: z.object({ system: z.string().min(1), user: z.string().min(1), passage: z.string().min(1) }),
      refusalPatterns: z.array(z.string()),
      /** Answers prepared at once per process (retrieval, evidence, an in-process answerer); the others wait their turn. 0: one per CPU. */
      concurrency: int(0, 256),
    }),
  }),
  conversation: z.object({
    /** A chat message longer than this is a 400. */
    maxMessageChars: int(1, 100000),
    memory: z.object({
      /** Recent turns (a user message and its reply) sent to the model verbatim; older ones are folded into the summary. */
      windowTurns: int(1, 100),
      summaryMaxChars: int(100, 20000),
    }),
    agent: z.object({
      /** Rounds of tool calls a tool-calling model may take per message. */
      maxToolSteps: int(1, 10),
      /** Tool calls run per model reply; the reply's further calls are not run (the model gets an error result for each). */
      maxToolCalls: int(1, 20),
    }),
    /** The per-turn log line carries the prompt truncated to this many characters (0: not at all). */
    logPromptChars: int(0, 10000),
    tools: z.object({
      knowledge_base_search: z.object({ enabled: bool, topK: int(1, 50) }),
      sales_data: z.object({
        enabled: bool,
        maxRows: int(1, 1000),
        /**
         * auth.mode required: who besides admins may use it (user ids, `*` for every authenticated caller); the others
         * are not offered the tool. auth.mode open: everyone (the zero-setup demo has no callers to tell apart).
         */
        users: stringList.pipe(z.array(z.string().refine((u) => u === '*' || USER_ID_PATTERN.test(u), `each user must be * or ${USER_ID_RULE}`))),
      }),
      market_data: z.object({
        enabled: bool,
        baseUrl: z.string().url(),
        apiKey: optionalString,
        timeoutMs: int(100, 120000),
        cacheTtlSeconds: int(0, 86400),
      }),
    }),
    templates: z.object({ system: z.string().min(1), rewrite: z.string().min(1), summary: z.string().min(1), toolResult: z.string().min(1) }),
  }),
  metrics: z.object({
    /** USD per 1M tokens by `provider:model` (or `provider:*`), from config/pricing.yaml. */
    pricing: z.record(z.string(), z.object({ input: z.coerce.number().min(0), output: z.coerce.number().min(0) })),
    /** Cost alerts: a threshold crossed in its UTC day or month is logged once, shown in reports and readiness, and POSTed to webhookUrl. */
    budget: z.object({
      dailyUsd: optionalNumber,
      monthlyUsd: optionalNumber,
      webhookUrl: z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().url().optional()),
      webhookTimeoutMs: int(100, 60_000),
    }),
  }),
  cache: z.object({
    /** REDIS_URL: the response cache lives in Redis (shared by replicas); empty: in this process's memory. */
    redis: z.object({ url: z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional()), connectTimeoutMs: int(50, 60000), errorLogIntervalMs: int(1000, 3_600_000) }),
    response: z.object({ enabled: bool, ttlSeconds: int(1, 30 * 86400), maxEntries: int(1, 10_000_000), corpusVersionMaxAgeMs: int(0, 60_000) }),
    semantic: z.object({ enabled: bool, threshold: z.coerce.number().min(0).max(1), maxEntries: int(1, 10000) }),
    embeddings: z.object({ maxEntries: int(0, 1_000_000) }),
  }),
  admin: z.object({ apiKey: optionalString }),
  /** Personal data (issue 11): masked in logs, and towards external model providers when maskExternal is on. */
  privacy: z.object({
    maskLogs: bool,
    maskExternal: bool,
    /** Providers that are external (masked when maskExternal is on); add ollama when yours is remote. */
    external: z.object({ llm: z.array(z.enum(LLM_PROVIDERS)), embedder: z.array(z.enum(EMBEDDER_PROVIDERS)) }),
    patterns: z
      .array(z.object({ name: z.string(), regex: z.string().min(1), flags: z.string().regex(/^[imsu]*$/).optional() }))
      .superRefine((list, ctx) => {
        list.forEach((p, i) => {
          const problem = patternProblem(p);
          if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: problem });
        });
      }),
  }),
  /** Audit log of admin actions (issue 11). */
  audit: z.object({ enabled: bool }),
  auth: z.object({
    /** open: no credential needed, user ids from bodies (the quick start); required: every /v1 route needs a key or token. */
    mode: z.enum(['open', 'required']),
    jwt: z.object({
      /** HS256 shared secret; or jwksUrl for RS256/ES256 issuers (not both). */
      secret: optionalString,
      jwksUrl: optionalString.pipe(z.string().url().optional()),
      issuer: optionalString,
      audience: optionalString,
      clockToleranceSeconds: int(0, 3600),
      /** Refuse tokens without `exp` (they would never expire). */
      requireExp: bool,
      /** How long fetched JWKS keys are kept before a refresh; an unknown `kid` refetches after cooldownSeconds. */
      jwksCacheSeconds: int(1, 86400),
      jwksCooldownSeconds: int(0, 3600),
      userClaim: z.string().min(1),
      rolesClaim: z.string().min(1),
      collectionsClaim: z.string().min(1),
    }),
  }),
  /** Daily token quotas per user (UTC day), counted from the usage records; 0 is no quota. */
  quota: z.object({
    dailyTokens: int(0),
    /** A user id's own daily quota (0: none). */
    users: z.record(z.string(), int(0)),
    /** An API key's own quota, by its id or its prefix (acv_ and 8 characters); before the user's. */
    keys: z.record(z.string(), int(0)),
    /** How long a user's figure is reused before the usage table is read again. */
    cacheSeconds: int(0, 3600),
    /** Tokens a model call holds of its user's quota while it runs (calls in flight admitted against them); 0: none. */
    reserveTokens: int(0),
  }),
  rateLimit: z.object({
    enabled: bool,
    /** Requests a minute per key or token (per IP without one), in each route group not listed in groups. */
    perMinute: int(1),
    /** Requests a minute from one IP address, all routes and credentials together. */
    perIpPerMinute: int(1),
    /** Refused credentials a minute from one IP; past it, its requests with a credential get 429 before verification. 0: off. */
    authFailuresPerIpPerMinute: int(0),
    groups: z.object({ generate: int(1).optional(), search: int(1).optional(), ingest: int(1).optional(), admin: int(1).optional() }),
    /** Counts in Redis (shared by replicas) when set; in process memory otherwise. */
    redisUrl: optionalString,
  }),
  /**
   * Several API processes on one database (issue 10): the active models (admin swaps and config reloads) are kept in
   * the shared_state table and every process follows them. notify: how the others hear of a change (auto: Redis
   * pub/sub when redisUrl is set, else Postgres LISTEN/NOTIFY when the server delivers it, else polling).
   */
  replicas: z.object({
    shareModels: bool,
    notify: z.enum(['auto', 'redis', 'postgres', 'poll']),
    redisUrl: z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional()),
    /** How often the shared_state version is read when no notification can arrive. */
    pollMs: int(50, 60_000),
    /** The same read when notifications arrive: a missed one (a dropped connection) is caught within this. */
    backstopMs: int(500, 3_600_000),
  }),
  /** config.watch: edits to the loaded config/*.yaml files are applied like POST /v1/admin/config/reload. */
  config: z.object({ watch: bool, debounceMs: int(50, 60_000) }),
});

export type AppConfig = z.infer<typeof appConfigSchema>;
export type EmbedderConfig = AppConfig['retrieval']['embedder'];
