// The SQL of tenants (TypeORM). Deleting a tenant cascades to its keys, prompts and usage rows.
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Tenant } from '@chunkserve/persistence';
import type { Repository } from 'typeorm';

@Injectable()
export class TenantRepository {
  constructor(@InjectRepository(Tenant) private readonly tenants: Repository<Tenant>) {}

  insert(name: string): Promise<Tenant> {
    return this.tenants.save(this.tenants.create({ name }));
  }

  /** Oldest first. */
  list(): Promise<Tenant[]> {
    return this.tenants.find({ order: { createdAt: 'ASC' } });
  }

  exists(id: string): Promise<boolean> {
    return this.tenants.existsBy({ id });
  }

  async delete(id: string): Promise<void> {
    await this.tenants.delete({ id });
  }
}
