/**
 * How long a command to Redis may go unanswered before it fails. A Redis that accepts connections but answers nothing
 * (paused, stopped with SIGSTOP, behind a stuck network) never errors on its own: every rate-limited request hung
 * until it came back (10 minutes in a probe). The callers that must not wait on Redis (rate-limit counts, model-change
 * notifications) fail open after this.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
