// Prompts of any tenant for the admin console. Writes go through PromptService (which pins and
// versions them) with the owner's tenant id; restore writes an old version's content as a new
// version; the dry run tokenizes a draft as it would be pinned and compares it with the current
// version, without storing or pinning anything.
import { Injectable } from '@nestjs/common';
import type { AdminPromptDetail, AdminPromptInfo, PromptDryRun, PromptInfo } from '@chunkserve/contracts';

import { OpenAiError } from '../../common/openai-error';
import { EngineService } from '../../engine/engine.service';
import { promptInfo } from '../../prompts/prompt-view';
import { PromptRepository } from '../../prompts/prompt.repository';
import { PromptService } from '../../prompts/prompt.service';
import { TenantRepository } from '../../tenants/tenant.repository';
import { AdminPromptsRepository, type PromptOwner } from './admin-prompts.repository';
import { dryRun } from './prompt-dry-run';

@Injectable()
export class AdminPromptsService {
  constructor(
    private readonly prompts: PromptService,
    private readonly promptRepository: PromptRepository,
    private readonly admin: AdminPromptsRepository,
    private readonly tenants: TenantRepository,
    private readonly engine: EngineService,
  ) {}

  /** Every tenant's prompts (or one tenant's), with their current version. */
  async list(tenantId?: string): Promise<AdminPromptInfo[]> {
    const [prompts, names] = await Promise.all([this.promptRepository.listWithCurrent(tenantId), this.admin.tenantNames()]);
    return prompts.map((p) => ({ ...promptInfo(p, p.current), tenantId: p.tenantId, tenantName: names.get(p.tenantId) ?? p.tenantId }));
  }

  async get(id: string): Promise<AdminPromptDetail> {
    const owner = await this.owner(id);
    const [detail, usage] = await Promise.all([this.prompts.get(owner.tenantId, id), this.admin.versionUsage(id)]);
    const byVersion = new Map(usage.map((u) => [u.version, u]));
    return {
      ...detail,
      ...owner,
      chunkSize: this.engine.chunkSize,
      versions: detail.versions.map((v) => {
        const u = byVersion.get(v.version);
        return {
          ...v,
          requests: u?.requests ?? 0,
          hitRate: u && u.promptTokens > 0 ? u.cachedTokens / u.promptTokens : null,
          meanTtftMs: u?.meanTtftMs ?? null,
          p95TtftMs: u?.p95TtftMs ?? null,
        };
      }),
    };
  }

  async create(tenantId: string, name: string, content: string): Promise<PromptInfo> {
    if (!(await this.tenants.exists(tenantId))) throw OpenAiError.notFound(`No tenant ${tenantId}.`, 'tenant_not_found');
    return this.prompts.create(tenantId, name, content);
  }

  async update(id: string, content: string): Promise<PromptInfo> {
    return this.prompts.update((await this.owner(id)).tenantId, id, content);
  }

  /** Writes version `version`'s content as a new version (the history stays as it was). */
  async restore(id: string, version: number): Promise<PromptInfo> {
    const owner = await this.owner(id);
    const detail = await this.prompts.get(owner.tenantId, id);
    const old = detail.versions.find((v) => v.version === version);
    if (!old) throw new OpenAiError(404, `Prompt ${id} has no version ${version}.`, 'invalid_request_error', 'version_not_found', 'version');
    if (version === detail.version) throw OpenAiError.badRequest(`Version ${version} is the current version.`, 'version_is_current', 'version');
    return this.prompts.update(owner.tenantId, id, old.content);
  }

  async remove(id: string): Promise<void> {
    await this.prompts.remove((await this.owner(id)).tenantId, id);
  }

  /** The draft against the prompt's current version (`id`), or as a new prompt. */
  async dryRun(content: string, id?: string): Promise<PromptDryRun> {
    const current = id === undefined ? null : (await this.prompts.resolve((await this.owner(id)).tenantId, id)).content;
    return dryRun({
      content,
      tokens: this.engine.encodeSystemPrefix(content),
      currentTokens: current === null ? null : this.engine.encodeSystemPrefix(current),
      chunkSize: this.engine.chunkSize,
      decode: (tokens) => this.engine.decode(tokens),
    });
  }

  private async owner(id: string): Promise<PromptOwner> {
    const owner = await this.admin.ownerOf(id);
    if (!owner) throw OpenAiError.notFound(`No prompt ${id}.`, 'prompt_not_found');
    return owner;
  }
}
