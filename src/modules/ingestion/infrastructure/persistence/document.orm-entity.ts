import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'documents' })
export class DocumentOrmEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ type: 'text' }) collection!: string;
  @Column({ name: 'source_id', type: 'text' }) sourceId!: string;
  @Column({ name: 'source_type', type: 'text' }) sourceType!: string;
  @Column({ type: 'text' }) title!: string;
  @Column({ name: 'content_hash', type: 'char', length: 64 }) contentHash!: string;
  @Column({ name: 'mime_type', type: 'text' }) mimeType!: string;
  @Column({ name: 'size_bytes', type: 'integer' }) sizeBytes!: number;
  @Column({ name: 'char_count', type: 'integer' }) charCount!: number;
  @Column({ name: 'chunk_count', type: 'integer' }) chunkCount!: number;
  @Column({ type: 'jsonb' }) metadata!: Record<string, unknown>;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
