// The SQL of prompts and their immutable versions (TypeORM). PromptService holds the logic,
// PromptReconciler brings the engine's pins to match what is stored here.
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { Prompt, PromptVersion } from '@chunkserve/persistence';
import type { EntityManager, SelectQueryBuilder } from 'typeorm';

/** A prompt with its current version (the one pinned in the engine and used by completions). */
export type PromptWithCurrent = Prompt & { current: PromptVersion };

export type NewPromptVersion = Pick<PromptVersion, 'promptId' | 'version' | 'content' | 'tokens' | 'cachedTokens' | 'chunks' | 'status'>;

/** What pinning a version measured. */
export type PinFigures = Pick<PromptVersion, 'tokens' | 'cachedTokens' | 'chunks'>;

/** Statuses of current versions that hold (or are about to hold) chunks: what quotas count. */
const PINNING = `('warming', 'warm')`;

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
   * Runs `work` in a short transaction that holds the prompt-write lock (a Postgres advisory lock,
   * so the tenant quotas and the platform's pinned budget hold under concurrency), with a
   * repository bound to it. Never wait for the engine inside `work`.
   */
  writeLocked<T>(work: (tx: PromptRepository) => Promise<T>): Promise<T> {
    return this.manager.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('prompts:pins'))`);
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

  findVersionById(id: string): Promise<PromptVersion | null> {
    return this.manager.findOneBy(PromptVersion, { id });
  }

  findVersions(promptId: string): Promise<PromptVersion[]> {
    return this.manager.findBy(PromptVersion, { promptId });
  }

  insertPrompt(tenantId: string, name: string, currentVersion: number): Promise<Prompt> {
    return this.manager.save(this.manager.create(Prompt, { tenantId, name, currentVersion }));
  }

  insertVersion(version: NewPromptVersion): Promise<PromptVersion> {
    return this.manager.save(this.manager.create(PromptVersion, { ...version, statusDetail: null }));
  }

  savePrompt(prompt: Prompt): Promise<Prompt> {
    return this.manager.save(prompt);
  }

  async supersede(versionId: string): Promise<void> {
    await this.manager.update(PromptVersion, { id: versionId }, { status: 'superseded', statusDetail: null });
  }

  async deletePrompt(id: string): Promise<void> {
    await this.manager.delete(Prompt, { id });
  }

  /** Prompts with their current version, oldest first: one tenant's, or (undefined) everyone's. */
  listWithCurrent(tenantId?: string): Promise<PromptWithCurrent[]> {
    const q = promptsWithCurrentVersion(this.manager).orderBy('p.created_at', 'ASC').addOrderBy('p.id', 'ASC');
    if (tenantId !== undefined) q.where('p.tenant_id = :tenantId', { tenantId });
    return q.getMany();
  }

  /** Tokens pinned by current warm versions: one tenant's, or (undefined) the platform's. */
  async pinnedTokens(tenantId?: string): Promise<number> {
    const q = promptsWithCurrentVersion(this.manager).select('COALESCE(SUM(v.tokens), 0)', 'pinned').where(`v.status = 'warm'`);
    if (tenantId !== undefined) q.andWhere('p.tenant_id = :tenantId', { tenantId });
    return Number((await q.getRawOne<{ pinned: string }>())?.pinned ?? 0);
  }

  /** Chunks held or about to be held by current versions (warming or warm): one tenant's, or the platform's. */
  async pinningChunks(tenantId?: string): Promise<number> {
    const q = promptsWithCurrentVersion(this.manager).select('COALESCE(SUM(v.chunks), 0)', 'chunks').where(`v.status IN ${PINNING}`);
    if (tenantId !== undefined) q.andWhere('p.tenant_id = :tenantId', { tenantId });
    return Number((await q.getRawOne<{ chunks: string }>())?.chunks ?? 0);
  }

  /** Every current version is to be pinned again (after a restart the engine holds nothing). */
  async markCurrentWarming(): Promise<void> {
    await this.manager.query(
      `UPDATE prompt_versions v SET status = 'warming', status_detail = NULL
         FROM prompts p WHERE v.prompt_id = p.id AND v.version = p.current_version AND v.status IN ('warm', 'failed')`,
    );
  }

  /**
   * Records a pin, unless the version stopped being one to pin meanwhile (superseded or deleted):
   * false then, and the reconciler unpins it.
   */
  async markWarm(versionId: string, figures: PinFigures): Promise<boolean> {
    const result = await this.manager
      .createQueryBuilder()
      .update(PromptVersion)
      .set({ ...figures, status: 'warm', statusDetail: null })
      .where(`id = :versionId AND status IN ('warming', 'failed', 'warm')`, { versionId })
      .execute();
    return Boolean(result.affected);
  }

  /** Records that pinning failed or was skipped (never over a superseded version). */
  async markFailed(versionId: string, detail: string): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .update(PromptVersion)
      .set({ status: 'failed', statusDetail: detail })
      .where(`id = :versionId AND status IN ('warming', 'failed', 'warm')`, { versionId })
      .execute();
  }
}
