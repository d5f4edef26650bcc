// The prompt lifecycle. Creating or updating renders the content as the system turn with the
// model's chat template, pins it in the engine under the tenant's namespace (pre-warming its KV
// chunks) and stores an immutable version with what pre-warming measured; the previous version is
// unpinned, deleting unpins. Writes of one tenant are serialised by a Postgres advisory lock so the
// pinned-token quota holds under concurrency.
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Prompt, PromptVersion } from '@chunkserve/persistence';
import type { PromptDetail, PromptInfo } from '@chunkserve/contracts';
import { DataSource, EntityManager, Repository } from 'typeorm';

import { OpenAiError } from '../common/openai-error';
import type { Environment } from '../config/environment';
import { EngineService } from '../engine/engine.service';
import { promptDetail, promptInfo } from './prompt-view';

export interface ResolvedPrompt {
  id: string;
  version: number;
  content: string;
}

@Injectable()
export class PromptService {
  private readonly logger = new Logger(PromptService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Prompt) private readonly prompts: Repository<Prompt>,
    @InjectRepository(PromptVersion) private readonly versions: Repository<PromptVersion>,
    private readonly engine: EngineService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async create(tenantId: string, name: string, content: string): Promise<PromptInfo> {
    const tokens = this.engine.encodeSystemPrefix(content);
    return this.db.transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      if (await tx.existsBy(Prompt, { tenantId, name })) {
        throw new OpenAiError(409, `A prompt named "${name}" already exists.`, 'invalid_request_error', 'prompt_exists', 'name');
      }
      await this.checkQuota(tx, tenantId, tokens.length, 0);
      const warm = await this.engine.prewarm(tenantId, tokens);
      try {
        const prompt = await tx.save(tx.create(Prompt, { tenantId, name, currentVersion: 1 }));
        const version = await tx.save(
          tx.create(PromptVersion, {
            promptId: prompt.id,
            version: 1,
            content,
            tokens: tokens.length,
            cachedTokens: warm.residentTokens,
            chunks: warm.chunks,
            status: 'warm',
          }),
        );
        return promptInfo(prompt, version);
      } catch (err) {
        await this.engine.unpin(tenantId, tokens);
        throw err;
      }
    });
  }

  async update(tenantId: string, id: string, content: string): Promise<PromptInfo> {
    const tokens = this.engine.encodeSystemPrefix(content);
    const { info, previous } = await this.db.transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      const prompt = await this.owned(tx, tenantId, id);
      const previous = await tx.findOneByOrFail(PromptVersion, { promptId: id, version: prompt.currentVersion });
      await this.checkQuota(tx, tenantId, tokens.length, previous.status === 'warm' ? previous.tokens : 0);
      const warm = await this.engine.prewarm(tenantId, tokens);
      try {
        const version = await tx.save(
          tx.create(PromptVersion, {
            promptId: id,
            version: prompt.currentVersion + 1,
            content,
            tokens: tokens.length,
            cachedTokens: warm.residentTokens,
            chunks: warm.chunks,
            status: 'warm',
          }),
        );
        await tx.update(PromptVersion, { id: previous.id }, { status: 'superseded' });
        prompt.currentVersion = version.version;
        const saved = await tx.save(prompt);
        return { info: promptInfo(saved, version), previous };
      } catch (err) {
        await this.engine.unpin(tenantId, tokens);
        throw err;
      }
    });
    // Unpinned after the new version is pinned, so a shared prefix of the two stays resident.
    if (previous.status === 'warm') await this.engine.unpin(tenantId, this.engine.encodeSystemPrefix(previous.content));
    return info;
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const current = await this.db.transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      const prompt = await this.owned(tx, tenantId, id);
      const version = await tx.findOneByOrFail(PromptVersion, { promptId: id, version: prompt.currentVersion });
      await tx.delete(Prompt, { id });
      return version;
    });
    if (current.status === 'warm') await this.engine.unpin(tenantId, this.engine.encodeSystemPrefix(current.content));
  }

  async list(tenantId: string): Promise<PromptInfo[]> {
    const rows = await this.prompts
      .createQueryBuilder('p')
      .innerJoinAndMapOne('p.current', PromptVersion, 'v', 'v.prompt_id = p.id AND v.version = p.current_version')
      .where('p.tenant_id = :tenantId', { tenantId })
      .orderBy('p.created_at', 'ASC')
      .getMany();
    return rows.map((p) => promptInfo(p, (p as Prompt & { current: PromptVersion }).current));
  }

  async get(tenantId: string, id: string): Promise<PromptDetail> {
    const prompt = await this.owned(this.db.manager, tenantId, id);
    return promptDetail(prompt, await this.versions.findBy({ promptId: id }));
  }

  /** The current content of a tenant's prompt (for `prompt_id` in completions); 404 for anyone else's. */
  async resolve(tenantId: string, id: string): Promise<ResolvedPrompt> {
    const prompt = await this.owned(this.db.manager, tenantId, id);
    const version = await this.versions.findOneByOrFail({ promptId: id, version: prompt.currentVersion });
    return { id, version: version.version, content: version.content };
  }

  /** Unpins every warm prompt of a tenant (before the tenant is deleted). */
  async unpinAll(tenantId: string): Promise<void> {
    for (const v of await this.currentVersions(tenantId)) {
      if (v.status === 'warm') await this.engine.unpin(tenantId, this.engine.encodeSystemPrefix(v.content));
    }
  }

  /**
   * Pins every current prompt version again (after a restart the engine's cache is empty). A version
   * that no longer fits is marked failed and logged; the figures are refreshed.
   */
  async rewarmAll(): Promise<{ warmed: number; failed: number }> {
    let warmed = 0;
    let failed = 0;
    for (const v of await this.currentVersions()) {
      const tenantId = (v as PromptVersion & { tenantId: string }).tenantId;
      try {
        const result = await this.engine.prewarm(tenantId, this.engine.encodeSystemPrefix(v.content));
        await this.versions.update({ id: v.id }, { status: 'warm', tokens: result.tokens, cachedTokens: result.residentTokens, chunks: result.chunks });
        warmed += 1;
      } catch (err) {
        this.logger.error(`re-warming prompt ${v.promptId} v${v.version} failed: ${(err as Error).message}`);
        await this.versions.update({ id: v.id }, { status: 'failed' });
        failed += 1;
      }
    }
    return { warmed, failed };
  }

  private async currentVersions(tenantId?: string): Promise<PromptVersion[]> {
    const q = this.versions
      .createQueryBuilder('v')
      .innerJoin(Prompt, 'p', 'p.id = v.prompt_id AND p.current_version = v.version')
      .addSelect('p.tenant_id', 'tenant_id')
      .orderBy('p.created_at', 'ASC');
    if (tenantId !== undefined) q.where('p.tenant_id = :tenantId', { tenantId });
    const { entities, raw } = await q.getRawAndEntities();
    return entities.map((v, i) => Object.assign(v, { tenantId: raw[i].tenant_id as string }));
  }

  private async owned(manager: EntityManager, tenantId: string, id: string): Promise<Prompt> {
    const prompt = await manager.findOneBy(Prompt, { id, tenantId });
    if (!prompt) throw OpenAiError.notFound(`No prompt ${id}.`, 'prompt_not_found');
    return prompt;
  }

  private async checkQuota(tx: EntityManager, tenantId: string, adding: number, releasing: number): Promise<void> {
    const quota = this.config.get('PINNED_TOKENS_QUOTA', { infer: true });
    const [{ used }] = await tx.query(
      `SELECT COALESCE(SUM(v.tokens), 0)::int AS used
         FROM prompts p JOIN prompt_versions v ON v.prompt_id = p.id AND v.version = p.current_version
        WHERE p.tenant_id = $1 AND v.status = 'warm'`,
      [tenantId],
    );
    const after = used - releasing + adding;
    if (after > quota) {
      throw new OpenAiError(
        403,
        `Pinned-token quota exceeded: this prompt needs ${adding} tokens, the tenant pins ${used - releasing} ` +
          `of its ${quota} (PINNED_TOKENS_QUOTA). Shorten or delete a prompt.`,
        'invalid_request_error',
        'pinned_tokens_quota_exceeded',
        'content',
      );
    }
  }
}

/** Serialises the prompt writes of one tenant until the transaction ends. */
async function lockTenant(tx: EntityManager, tenantId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`prompts:${tenantId}`]);
}
