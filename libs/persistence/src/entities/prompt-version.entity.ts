import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

import { Prompt } from './prompt.entity';

/** warm: pinned in the engine; superseded: an older version, unpinned; failed: pre-warming failed. */
export type PromptVersionStatus = 'warm' | 'superseded' | 'failed';

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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
