import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

import { PromptVersion } from './prompt-version.entity';
import { Tenant } from './tenant.entity';

/** A tenant's named system prompt; its content lives in immutable versions. */
@Entity({ name: 'prompts' })
@Index(['tenantId', 'name'], { unique: true })
export class Prompt {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  @Column('text')
  name!: string;

  /** The version that is pinned in the engine and used by completions. */
  @Column('int', { name: 'current_version' })
  currentVersion!: number;

  @OneToMany(() => PromptVersion, (v) => v.prompt)
  versions?: PromptVersion[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
