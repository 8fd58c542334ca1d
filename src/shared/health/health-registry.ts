import { Injectable } from '@nestjs/common';

export interface ReadinessCheck {
  /** Key in the /health/ready body (database, embedder, llm, redis...). */
  name: string;
  /** false: an optional dependency (the Redis cache): when it fails, readiness stays 200 and the entry says `degraded: true`. */
  critical?: boolean;
  check(): Promise<{ up: boolean; details?: Record<string, unknown> }>;
}

/** Feature modules register what readiness depends on; shared/health never imports them. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    this.checks.set(check.name, check);
  }

  all(): ReadinessCheck[] {
    return [...this.checks.values()];
  }
}
