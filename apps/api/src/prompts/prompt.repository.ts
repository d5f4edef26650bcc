// The SQL of prompts and their immutable versions (TypeORM). PromptService holds the logic.
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { Prompt, PromptVersion } from '@chunkserve/persistence';
import type { EntityManager, SelectQueryBuilder } from 'typeorm';

/** A prompt with its current version (the one pinned in the engine and used by completions). */
export type PromptWithCurrent = Prompt & { current: PromptVersion };

export type NewPromptVersion = Pick<PromptVersion, 'promptId' | 'version' | 'content' | 'tokens' | 'cachedTokens' | 'chunks' | 'status'>;

/**
 * Prompts `p` joined with their current version `v` (mapped to `p.current`): the one definition of
 * "a prompt's current version", used by every query that needs it.
 */
export function promptsWithCurrentVersion(manager: EntityManager): SelectQueryBuilder<PromptWithCurrent> {
  return manager
    .createQueryBuilder(Prompt, 'p')
    .innerJoinAndMapOne('p.current', PromptVersion, 'v', 'v.prompt_id = p.id AND v.version = p.current_version') as SelectQueryBuilder<PromptWithCurrent>;
}

@Injectable()
export class PromptRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  /**
   * Runs `work` in a transaction that holds the tenant's prompt-write lock (a Postgres advisory
   * lock, so the pinned-token quota holds under concurrency), with a repository bound to it.
   */
  writeLocked<T>(tenantId: string, work: (tx: PromptRepository) => Promise<T>): Promise<T> {
    return this.manager.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`prompts:${tenantId}`]);
      return work(new PromptRepository(manager));
    });
  }

  nameTaken(tenantId: string, name: string): Promise<boolean> {
    return this.manager.existsBy(Prompt, { tenantId, name });
  }

  /** The prompt if the tenant owns it, else null. */
  findOwned(tenantId: string, id: string): Promise<Prompt | null> {
    return this.manager.findOneBy(Prompt, { id, tenantId });
  }

  findVersion(promptId: string, version: number): Promise<PromptVersion> {
    return this.manager.findOneByOrFail(PromptVersion, { promptId, version });
  }

  findVersions(promptId: string): Promise<PromptVersion[]> {
    return this.manager.findBy(PromptVersion, { promptId });
  }

  insertPrompt(tenantId: string, name: string, currentVersion: number): Promise<Prompt> {
    return this.manager.save(this.manager.create(Prompt, { tenantId, name, currentVersion }));
  }

  insertVersion(version: NewPromptVersion): Promise<PromptVersion> {
    return this.manager.save(this.manager.create(PromptVersion, version));
  }

  savePrompt(prompt: Prompt): Promise<Prompt> {
    return this.manager.save(prompt);
  }

  async updateVersion(id: string, changes: Partial<Omit<NewPromptVersion, 'promptId' | 'version'>>): Promise<void> {
    await this.manager.update(PromptVersion, { id }, changes);
  }

  async deletePrompt(id: string): Promise<void> {
    await this.manager.delete(Prompt, { id });
  }

  /** Prompts with their current version, oldest first: one tenant's, or (undefined) everyone's. */
  listWithCurrent(tenantId?: string): Promise<PromptWithCurrent[]> {
    const q = promptsWithCurrentVersion(this.manager).orderBy('p.created_at', 'ASC');
    if (tenantId !== undefined) q.where('p.tenant_id = :tenantId', { tenantId });
    return q.getMany();
  }

  /** Tokens pinned by current warm versions: one tenant's, or (undefined) the platform's. */
  async pinnedTokens(tenantId?: string): Promise<number> {
    const q = promptsWithCurrentVersion(this.manager).select('COALESCE(SUM(v.tokens), 0)', 'pinned').where(`v.status = 'warm'`);
    if (tenantId !== undefined) q.andWhere('p.tenant_id = :tenantId', { tenantId });
    return Number((await q.getRawOne<{ pinned: string }>())?.pinned ?? 0);
  }
}
