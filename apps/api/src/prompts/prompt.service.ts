// The prompt lifecycle. Creating or updating renders the content as the system turn with the
// model's chat template and stores an immutable version, 'warming', in one short transaction that
// checks the tenant's quota and the platform's pinned budget (both in whole chunks) under a
// Postgres advisory lock; the previous version is superseded, deleting deletes. The database is
// the source of truth: PromptReconciler then pins and unpins in the engine, with no transaction
// open, and each write waits for it, so its answer says warm (or failed, and why).
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Prompt } from '@chunkserve/persistence';
import type { PromptDetail, PromptInfo } from '@chunkserve/contracts';

import { OpenAiError } from '../common/openai-error';
import type { Environment } from '../config/environment';
import { EngineService } from '../engine/engine.service';
import { TenantLimitsService } from '../tenants/tenant-limits.service';
import { checkPinLimits, chunksFor, pinnedBudgetChunks, type PinLimits } from './pin-budget';
import { PromptReconciler, type ReconcileReport } from './prompt-reconciler.service';
import { promptDetail, promptInfo } from './prompt-view';
import { PromptRepository } from './prompt.repository';

export interface ResolvedPrompt {
  id: string;
  version: number;
  content: string;
}

@Injectable()
export class PromptService {
  constructor(
    private readonly prompts: PromptRepository,
    private readonly engine: EngineService,
    private readonly config: ConfigService<Environment, true>,
    private readonly reconciler: PromptReconciler,
    private readonly tenantLimits: TenantLimitsService,
  ) {}

  async create(tenantId: string, name: string, content: string): Promise<PromptInfo> {
    const tokens = this.engine.encodeSystemPrefix(content);
    const chunks = chunksFor(tokens.length, this.engine.chunkSize);
    const { prompt, versionId } = await this.prompts.writeLocked(async (tx) => {
      if (await tx.nameTaken(tenantId, name)) {
        throw new OpenAiError(409, `A prompt named "${name}" already exists.`, 'invalid_request_error', 'prompt_exists', 'name');
      }
      await this.checkLimits(tx, tenantId, chunks, 0);
      this.checkContext(tokens.length);
      const prompt = await tx.insertPrompt(tenantId, name, 1);
      const version = await tx.insertVersion({ promptId: prompt.id, version: 1, content, tokens: tokens.length, cachedTokens: 0, chunks, status: 'warming' });
      return { prompt, versionId: version.id };
    });
    this.reconciler.hint(versionId, tokens);
    return this.afterSync(prompt, versionId);
  }

  async update(tenantId: string, id: string, content: string): Promise<PromptInfo> {
    const tokens = this.engine.encodeSystemPrefix(content);
    const chunks = chunksFor(tokens.length, this.engine.chunkSize);
    const { prompt, versionId } = await this.prompts.writeLocked(async (tx) => {
      const prompt = await this.owned(tx, tenantId, id);
      const previous = await tx.findVersion(id, prompt.currentVersion);
      const holding = previous.status === 'warming' || previous.status === 'warm';
      await this.checkLimits(tx, tenantId, chunks, holding ? previous.chunks : 0);
      this.checkContext(tokens.length);
      const version = await tx.insertVersion({ promptId: id, version: prompt.currentVersion + 1, content, tokens: tokens.length, cachedTokens: 0, chunks, status: 'warming' });
      await tx.supersede(previous.id);
      prompt.currentVersion = version.version;
      return { prompt: await tx.savePrompt(prompt), versionId: version.id };
    });
    this.reconciler.hint(versionId, tokens);
    return this.afterSync(prompt, versionId);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.prompts.writeLocked(async (tx) => {
      await this.owned(tx, tenantId, id);
      await tx.deletePrompt(id);
    });
    await this.reconciler.sync();
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

  /**
   * Unpins what a deleted tenant pinned: called after the tenant's rows are gone, it brings the
   * engine to match (an unpin that fails is retried by the reconciler, never blocking the delete).
   */
  async unpinAll(_tenantId: string): Promise<void> {
    await this.reconciler.sync();
  }

  /**
   * Pins every current prompt version again (after a restart the engine's cache is empty), within
   * the pinned budget: the report names the versions it skipped.
   */
  async rewarmAll(): Promise<ReconcileReport> {
    await this.prompts.markCurrentWarming();
    return this.reconciler.sync();
  }

  private async afterSync(prompt: Prompt, versionId: string): Promise<PromptInfo> {
    await this.reconciler.sync();
    const version = await this.prompts.findVersionById(versionId);
    if (!version) throw OpenAiError.notFound(`No prompt ${prompt.id}.`, 'prompt_not_found');
    return promptInfo(prompt, version);
  }

  /** A prompt that leaves no room in the model's context is a 400. */
  private checkContext(tokens: number): void {
    const context = this.engine.model.contextLength;
    if (tokens >= context) {
      throw OpenAiError.badRequest(
        `This model's context is ${context} tokens and the prompt renders to ${tokens}: it would leave no room for a conversation.`,
        'context_length_exceeded',
        'content',
      );
    }
  }

  private async owned(prompts: PromptRepository, tenantId: string, id: string): Promise<Prompt> {
    const prompt = await prompts.findOwned(tenantId, id);
    if (!prompt) throw OpenAiError.notFound(`No prompt ${id}.`, 'prompt_not_found');
    return prompt;
  }

  private async checkLimits(tx: PromptRepository, tenantId: string, adding: number, releasing: number): Promise<void> {
    const tenantChunks = await tx.pinningChunks(tenantId);
    const platformChunks = await tx.pinningChunks();
    const { pinnedChunkQuota } = await this.tenantLimits.settingsOf(tenantId);
    checkPinLimits(this.limits(pinnedChunkQuota), { adding, releasing, tenantChunks, platformChunks });
  }

  private limits(tenantQuotaChunks: number | null): PinLimits {
    return {
      chunkSize: this.engine.chunkSize,
      tenantQuotaChunks,
      tenantQuotaTokens: this.config.get('PINNED_TOKENS_QUOTA', { infer: true }),
      budgetChunks: pinnedBudgetChunks(this.engine.stats().capacityChunks, this.config.get('PINNED_POOL_FRACTION', { infer: true })),
    };
  }
}
