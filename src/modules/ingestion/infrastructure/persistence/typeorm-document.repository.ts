import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, QueryFailedError } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DATA_SOURCE, managerFor } from '../../../../shared/database';
import { metadataFilterSql } from '../../../retrieval';
import { KnowledgeDocument, SourceType } from '../../domain/document';
import { DocumentListQuery, DocumentRepository, DuplicateSourceError } from '../../application/ports/document-repository.port';
import { DocumentOrmEntity } from './document.orm-entity';

@Injectable()
export class TypeOrmDocumentRepository implements DocumentRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  private get repo() {
    return managerFor(this.dataSource).getRepository(DocumentOrmEntity);
  }

  async findById(id: string): Promise<KnowledgeDocument | null> {
    const row = await this.repo.findOne({ where: { id } });
    return row ? toDomain(row) : null;
  }

  async findByHash(collection: string, hash: string): Promise<KnowledgeDocument | null> {
    const row = await this.repo.findOne({ where: { collection, contentHash: hash }, order: { createdAt: 'ASC' } });
    return row ? toDomain(row) : null;
  }

  async findBySource(collection: string, sourceId: string): Promise<KnowledgeDocument | null> {
    const row = await this.repo.findOne({ where: { collection, sourceId } });
    return row ? toDomain(row) : null;
  }

  async findManyBySource(collection: string, sourceIds: string[]): Promise<Map<string, KnowledgeDocument>> {
    if (sourceIds.length === 0) return new Map();
    const rows = await this.repo.find({ where: { collection, sourceId: In(sourceIds) } });
    return new Map(rows.map((r) => [r.sourceId, toDomain(r)]));
  }

  async findManyByHash(collection: string, hashes: string[]): Promise<Map<string, KnowledgeDocument>> {
    if (hashes.length === 0) return new Map();
    const rows = await this.repo.find({ where: { collection, contentHash: In(hashes) }, order: { createdAt: 'DESC' } });
    // oldest last, so it is the one the map keeps (as findByHash returns it)
    return new Map(rows.map((r) => [r.contentHash, toDomain(r)]));
  }

  async findByFileSource(collection: string, source: string): Promise<KnowledgeDocument[]> {
    const rows = await this.repo
      .createQueryBuilder('d')
      .where('d.collection = :collection', { collection })
      .andWhere('(d.source_id = :source OR starts_with(d.source_id, :prefix))', { source, prefix: `${source}#` })
      .orderBy('d.source_id')
      .getMany();
    return rows.map(toDomain);
  }

  save(doc: KnowledgeDocument): Promise<void> {
    return this.saveMany([doc]);
  }

  async saveMany(docs: KnowledgeDocument[]): Promise<void> {
    if (docs.length === 0) return;
    try {
      await this.repo.upsert(docs.map(toRow) as QueryDeepPartialEntity<DocumentOrmEntity>[], { conflictPaths: ['id'] });
    } catch (e) {
      if (e instanceof QueryFailedError && (e.driverError as { code?: string })?.code === '23505') {
        const detail = docs.length === 1 ? `source ${docs[0].sourceId}` : `one of ${docs.length} sources`;
        throw new DuplicateSourceError(`${detail} already exists in ${docs[0].collection}`);
      }
      throw e;
    }
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.repo.delete({ id });
    return (res.affected ?? 0) > 0;
  }

  async list(q: DocumentListQuery): Promise<{ items: KnowledgeDocument[]; total: number }> {
    const qb = this.repo.createQueryBuilder('d');
    if (q.collection) qb.andWhere('d.collection = :collection', { collection: q.collection });
    if (q.metadata && Object.keys(q.metadata).length) {
      let n = 0;
      const bind = (value: unknown) => {
        const name = `meta${n++}`;
        qb.setParameter(name, value);
        return `:${name}`;
      };
      qb.andWhere(`true${metadataFilterSql(q.metadata, bind, 'd.metadata')}`);
    }
    qb.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'ASC').take(q.limit).skip(q.offset);
    const [rows, total] = await qb.getManyAndCount();
    return { items: rows.map(toDomain), total };
  }
}

function toDomain(r: DocumentOrmEntity): KnowledgeDocument {
  return { ...r, sourceType: r.sourceType as SourceType, metadata: r.metadata ?? {} };
}

function toRow(d: KnowledgeDocument): DocumentOrmEntity {
  return Object.assign(new DocumentOrmEntity(), d);
}
