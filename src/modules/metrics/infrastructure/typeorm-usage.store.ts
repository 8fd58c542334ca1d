import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE, managerFor } from '../../../shared/database';
import { UsageRecord, UsageStore } from '../application/ports/usage-store.port';

@Injectable()
export class TypeOrmUsageStore implements UsageStore {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async insert(records: UsageRecord[]): Promise<void> {
    const params: unknown[] = [];
    const tuples = records.map((r) => {
      params.push(r.operation, r.provider, r.model, r.promptTokens, r.completionTokens, r.ms, r.costUsd, r.userId ?? null, r.conversationId ?? null, r.requestId ?? null);
      const b = params.length - 10;
      return `(${Array.from({ length: 10 }, (_, i) => `$${b + i + 1}`).join(', ')})`;
    });
    await managerFor(this.dataSource).query(
      `INSERT INTO usage_records (operation, provider, model, prompt_tokens, completion_tokens, ms, cost_usd, user_id, conversation_id, request_id)
       VALUES ${tuples.join(', ')}`,
      params,
    );
  }
}
