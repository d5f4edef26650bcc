import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

import { Prompt } from './prompt.entity';

/**
 * warming: stored, to be pinned by the reconciler; warm: pinned in the engine; superseded: an older
 * version, unpinned; failed: pinning failed or was skipped (status_detail says why), retried.
 */
export type PromptVersionStatus = 'warming' | 'warm' | 'superseded' | 'failed';

/** One immutable version of a prompt, with what pre-warming it measured. */
@Entity({ name: 'prompt_versions' })
@Index(['promptId', 'version'], { unique: true })
export class PromptVersion {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'prompt_id' })
  promptId!: string;

  @ManyToOne(() => Prompt, (p) => p.versions, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'prompt_id' })
  prompt?: Prompt;

  @Column('int')
  version!: number;

  @Column('text')
  content!: string;

  /** Tokens of the rendered system turn (what is pinned). */
  @Column('int')
  tokens!: number;

  /** Of those, the tokens held in the engine's chunks after pre-warming. */
  @Column('int', { name: 'cached_tokens' })
  cachedTokens!: number;

  @Column('int')
  chunks!: number;

  @Column('text')
  status!: PromptVersionStatus;

  /** Why a version is failed (an engine error, a pinned-budget skip); null otherwise. */
  @Column('text', { name: 'status_detail', nullable: true })
  statusDetail!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
