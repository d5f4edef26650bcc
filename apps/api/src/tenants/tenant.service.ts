import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Tenant } from '@chunkserve/persistence';
import type { TenantInfo } from '@chunkserve/contracts';
import { Repository } from 'typeorm';

import { PromptService } from '../prompts/prompt.service';

@Injectable()
export class TenantService {
  constructor(
    @InjectRepository(Tenant) private readonly tenants: Repository<Tenant>,
    private readonly prompts: PromptService,
  ) {}

  async create(name: string): Promise<TenantInfo> {
    return toInfo(await this.tenants.save(this.tenants.create({ name: name.trim() })));
  }

  async list(): Promise<TenantInfo[]> {
    return (await this.tenants.find({ order: { createdAt: 'ASC' } })).map(toInfo);
  }

  /** Deletes the tenant with its keys, prompts and history, and unpins its prompts in the engine. */
  async remove(id: string): Promise<void> {
    if (!(await this.tenants.existsBy({ id }))) throw new NotFoundException(`No tenant ${id}.`);
    await this.prompts.unpinAll(id);
    await this.tenants.delete({ id });
  }
}

function toInfo(t: Tenant): TenantInfo {
  return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString() };
}
