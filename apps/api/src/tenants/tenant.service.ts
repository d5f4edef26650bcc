import { Injectable, NotFoundException } from '@nestjs/common';
import type { Tenant } from '@chunkserve/persistence';
import type { TenantInfo } from '@chunkserve/contracts';

import { PromptService } from '../prompts/prompt.service';
import { TenantRepository } from './tenant.repository';

@Injectable()
export class TenantService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly prompts: PromptService,
  ) {}

  async create(name: string): Promise<TenantInfo> {
    return toInfo(await this.tenants.insert(name.trim()));
  }

  async list(): Promise<TenantInfo[]> {
    return (await this.tenants.list()).map(toInfo);
  }

  /**
   * Deletes the tenant with its keys, prompts and history, then unpins its prompts in the engine
   * (the database first: an unpin that fails is retried and never blocks the delete).
   */
  async remove(id: string): Promise<void> {
    if (!(await this.tenants.exists(id))) throw new NotFoundException(`No tenant ${id}.`);
    await this.tenants.delete(id);
    await this.prompts.unpinAll(id);
  }
}

function toInfo(t: Tenant): TenantInfo {
  return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString() };
}
