import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One completion request, for the dashboard's history (rows outlive deleted prompts). */
@Entity({ name: 'usage_records' })
@Index(['tenantId', 'createdAt'])
@Index(['createdAt'])
export class UsageRecord {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'prompt_id', nullable: true })
  promptId!: string | null;

  /** The version of the prompt it was served with (null without a prompt, or for rows older than the column). */
  @Column('int', { name: 'prompt_version', nullable: true })
  promptVersion!: number | null;

  /** chat.completions, completions or stream (WebSocket). */
  @Column('text')
  endpoint!: string;

  @Column('int', { name: 'prompt_tokens' })
  promptTokens!: number;

  @Column('int', { name: 'cached_tokens' })
  cachedTokens!: number;

  @Column('int', { name: 'completion_tokens' })
  completionTokens!: number;

  @Column('real', { name: 'ttft_ms' })
  ttftMs!: number;

  @Column('real', { name: 'duration_ms' })
  durationMs!: number;

  @Column('text', { name: 'finish_reason' })
  finishReason!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
