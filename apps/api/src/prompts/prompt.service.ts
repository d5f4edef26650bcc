// The prompt lifecycle. Creating or updating renders the content as the system turn with the
// model's chat template, pins it in the engine under the tenant's namespace (pre-warming its KV
// chunks) and stores an immutable version with what pre-warming measured; the previous version is
// unpinned, deleting unpins. Writes of one tenant are serialised by a Postgres advisory lock so the
// pinned-token quota holds under concurrency (PromptRepository.writeLocked).
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Prompt } from '@chunkserve/persistence';
import type { PromptDetail, PromptInfo } from '@chunkserve/contracts';

import { OpenAiError } from '../common/openai-error';
import type { Environment } from '../config/environment';
import { EngineService } from '../engine/engine.service';
import { TenantLimitsService } from '../tenants/tenant-limits.service';
import { promptDetail, promptInfo } from './prompt-view';
import { PromptRepository } from './prompt.repository';

export interface ResolvedPrompt {
  id: string;
  version: number;
  content: string;
}

@Injectable()
export class PromptService {
  private readonly logger = new Logger(PromptService.name);

  constructor(
    private readonly prompts: PromptRepository,
    private readonly engine: EngineService,
    private readonly config: ConfigService<Environment, true>,
    private readonly tenantLimits: TenantLimitsService,
  ) {}

  async create(tenantId: string, name: string, content: string): Promise<PromptInfo> {
    const tokens = this.engine.encodeSystemPrefix(content);
    return this.prompts.writeLocked(tenantId, async (tx) => {
      if (await tx.nameTaken(tenantId, name)) {
        throw new OpenAiError(409, `A prompt named "${name}" already exists.`, 'invalid_request_error', 'prompt_exists', 'name');
      }
      await this.checkQuota(tx, tenantId, tokens.length, 0);
      const warm = await this.engine.prewarm(tenantId, tokens);
      try {
        const prompt = await tx.insertPrompt(tenantId, name, 1);
        const version = await tx.insertVersion({
          promptId: prompt.id,
          version: 1,
          content,
          tokens: tokens.length,
          cachedTokens: warm.residentTokens,
          chunks: warm.chunks,
          status: 'warm',
        });
        return promptInfo(prompt, version);
      } catch (err) {
        await this.engine.unpin(tenantId, tokens);
        throw err;
      }
    });
  }

  async update(tenantId: string, id: string, content: string): Promise<PromptInfo> {
    const tokens = this.engine.encodeSystemPrefix(content);
    const { info, previous } = await this.prompts.writeLocked(tenantId, async (tx) => {
      const prompt = await this.owned(tx, tenantId, id);
      const previous = await tx.findVersion(id, prompt.currentVersion);
      await this.checkQuota(tx, tenantId, tokens.length, previous.status === 'warm' ? previous.tokens : 0);
      const warm = await this.engine.prewarm(tenantId, tokens);
      try {
        const version = await tx.insertVersion({
          promptId: id,
          version: prompt.currentVersion + 1,
          content,
          tokens: tokens.length,
          cachedTokens: warm.residentTokens,
          chunks: warm.chunks,
          status: 'warm',
        });
        await tx.updateVersion(previous.id, { status: 'superseded' });
        prompt.currentVersion = version.version;
        const saved = await tx.savePrompt(prompt);
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
    const current = await this.prompts.writeLocked(tenantId, async (tx) => {
      const prompt = await this.owned(tx, tenantId, id);
      const version = await tx.findVersion(id, prompt.currentVersion);
      await tx.deletePrompt(id);
      return version;
    });
    if (current.status === 'warm') await this.engine.unpin(tenantId, this.engine.encodeSystemPrefix(current.content));
  }

  async list(tenantId: string): Promise<PromptInfo[]> {
    return (await this.prompts.listWithCurrent(tenantId)).map((p) => promptInfo(p, p.current));
  }

  async get(tenantId: string, id: string): Promise<PromptDetail> {
    const prompt = await this.owned(this.prompts, tenantId, id);
    return promptDetail(prompt, await this.prompts.findVersions(id));
  }

  /** The current content of a tenant's prompt (for `prompt_id` in completions); 404 for anyone else's. */
  async resolve(tenantId: string, id: string): Promise<ResolvedPrompt> {
    const prompt = await this.owned(this.prompts, tenantId, id);
    const version = await this.prompts.findVersion(id, prompt.currentVersion);
    return { id, version: version.version, content: version.content };
  }

  /** Unpins every warm prompt of a tenant (before the tenant is deleted). */
  async unpinAll(tenantId: string): Promise<void> {
    for (const { current } of await this.prompts.listWithCurrent(tenantId)) {
      if (current.status === 'warm') await this.engine.unpin(tenantId, this.engine.encodeSystemPrefix(current.content));
    }
  }

  /**
   * Pins every current prompt version again (after a restart the engine's cache is empty). A version
   * that no longer fits is marked failed and logged; the figures are refreshed.
   */
  async rewarmAll(): Promise<{ warmed: number; failed: number }> {
    let warmed = 0;
    let failed = 0;
    for (const { tenantId, current: v } of await this.prompts.listWithCurrent()) {
      try {
        const result = await this.engine.prewarm(tenantId, this.engine.encodeSystemPrefix(v.content));
        await this.prompts.updateVersion(v.id, { status: 'warm', tokens: result.tokens, cachedTokens: result.residentTokens, chunks: result.chunks });
        warmed += 1;
      } catch (err) {
        this.logger.error(`re-warming prompt ${v.promptId} v${v.version} failed: ${(err as Error).message}`);
        await this.prompts.updateVersion(v.id, { status: 'failed' });
        failed += 1;
      }
    }
    return { warmed, failed };
  }

  private async owned(prompts: PromptRepository, tenantId: string, id: string): Promise<Prompt> {
    const prompt = await prompts.findOwned(tenantId, id);
    if (!prompt) throw OpenAiError.notFound(`No prompt ${id}.`, 'prompt_not_found');
    return prompt;
  }

  private async checkQuota(tx: PromptRepository, tenantId: string, adding: number, releasing: number): Promise<void> {
    // A tenant's own pinned-chunk quota replaces the platform's token quota.
    if (await this.tenantLimits.checkPinnedChunks(tenantId, adding, releasing)) return;
    const quota = this.config.get('PINNED_TOKENS_QUOTA', { infer: true });
    const used = await tx.pinnedTokens(tenantId);
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
