// The SQL of API keys (TypeORM): rows hold the public prefix and the SHA-256 of the key.
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiKey } from '@chunkserve/persistence';
import { IsNull, type Repository } from 'typeorm';

@Injectable()
export class ApiKeyRepository {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  insert(tenantId: string, prefix: string, keyHash: Buffer): Promise<ApiKey> {
    return this.keys.save(this.keys.create({ tenantId, prefix, keyHash, lastUsedAt: null, revokedAt: null }));
  }

  /** A tenant's keys, oldest first, revoked ones included. */
  listByTenant(tenantId: string): Promise<ApiKey[]> {
    return this.keys.find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }

  /** The unrevoked key with this prefix, else null. */
  findActiveByPrefix(prefix: string): Promise<ApiKey | null> {
    return this.keys.findOneBy({ prefix, revokedAt: IsNull() });
  }

  exists(id: string): Promise<boolean> {
    return this.keys.existsBy({ id });
  }

  /** True when an unrevoked key was revoked now. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    return Boolean(result.affected);
  }

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.keys.update({ id }, { lastUsedAt: at });
  }
}
