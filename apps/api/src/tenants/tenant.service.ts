import { Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Tenant } from '@chunkserve/persistence';
import type { PlatformLimits, TenantDetail, TenantInfo, TenantSummary } from '@chunkserve/contracts';

import type { Environment } from '../config/environment';
import { PromptService } from '../prompts/prompt.service';
import type { UpdateTenantDto } from './tenant.dto';
import { TenantLimitsService } from './tenant-limits.service';
import { TenantRepository, type TenantWithFigures } from './tenant.repository';

@Injectable()
export class TenantService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly prompts: PromptService,
    private readonly limits: TenantLimitsService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async create(name: string): Promise<TenantInfo> {
    return toInfo(await this.tenants.insert(name.trim()));
  }

  /** Every tenant with its settings, keys, prompts, pins and requests. */
  async list(): Promise<TenantSummary[]> {
    return (await this.tenants.listWithFigures(this.chunkSize)).map(toSummary);
  }

  async get(id: string): Promise<TenantDetail> {
    const [tenant] = await this.tenants.listWithFigures(this.chunkSize, id);
    if (!tenant) throw new NotFoundException(`No tenant ${id}.`);
    return { ...toSummary(tenant), defaults: this.defaults() };
  }

  /** Renames and/or sets the tenant's own limits (null: back to the platform default). */
  async update(id: string, changes: UpdateTenantDto): Promise<TenantDetail> {
    const update: Parameters<TenantRepository['update']>[1] = {};
    if (changes.name !== undefined) update.name = changes.name.trim();
    if (changes.pinnedChunkQuota !== undefined) update.pinnedChunkQuota = changes.pinnedChunkQuota;
    if (changes.rateLimitRequests !== undefined) update.rateLimitRequests = changes.rateLimitRequests;
    if (!(await this.tenants.update(id, update))) throw new NotFoundException(`No tenant ${id}.`);
    this.limits.forget(id);
    return this.get(id);
  }

  /**
   * Deletes the tenant with its keys, prompts and usage history, then unpins its prompts in the engine
   * (the database first: an unpin that fails is retried and never blocks the delete).
   */
  async remove(id: string): Promise<void> {
    if (!(await this.tenants.exists(id))) throw new NotFoundException(`No tenant ${id}.`);
    await this.tenants.delete(id);
    await this.prompts.unpinAll(id);
    this.limits.forget(id);
  }

  private get chunkSize(): number {
    return this.config.get('CHUNK_SIZE', { infer: true });
  }

  private defaults(): PlatformLimits {
    return {
      pinnedTokensQuota: this.config.get('PINNED_TOKENS_QUOTA', { infer: true }),
      rateLimitRequests: this.config.get('RATE_LIMIT_REQUESTS', { infer: true }),
      rateLimitWindowMs: this.config.get('RATE_LIMIT_WINDOW_MS', { infer: true }),
      chunkSize: this.chunkSize,
    };
  }
}

function toInfo(t: Tenant): TenantInfo {
  return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString() };
}

function toSummary(t: TenantWithFigures): TenantSummary {
  return {
    ...toInfo(t),
    settings: { pinnedChunkQuota: t.pinnedChunkQuota, rateLimitRequests: t.rateLimitRequests },
    activeApiKeys: t.activeApiKeys,
    prompts: t.prompts,
    pinnedChunks: t.pinnedChunks,
    pinnedTokens: t.pinnedTokens,
    requests: t.requests,
  };
}
