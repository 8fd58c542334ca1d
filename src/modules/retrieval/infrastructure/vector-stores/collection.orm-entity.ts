import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'collections' })
export class CollectionOrmEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ name: 'embedder_id', type: 'text' })
  embedderId!: string;

  @Column({ type: 'integer' })
  dimension!: number;

  @Column({ name: 'vector_slot', type: 'smallint' })
  vectorSlot!: 0 | 1;

  /** A Postgres regconfig (read as its name). */
  @Column({ name: 'text_search_config', type: 'text' })
  textSearchConfig!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
