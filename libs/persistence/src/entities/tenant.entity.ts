import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A customer of the platform; its id is the namespace of its KV cache in the engine. */
@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Chunks its prompts may keep pinned; null: the platform default. */
  @Column('int', { name: 'pinned_chunk_quota', nullable: true })
  pinnedChunkQuota!: number | null;

  /** Requests per rate-limit window; null: the platform default. */
  @Column('int', { name: 'rate_limit_requests', nullable: true })
  rateLimitRequests!: number | null;
}
