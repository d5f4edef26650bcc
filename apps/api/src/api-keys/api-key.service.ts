import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { ApiKeyInfo, CreatedApiKey } from '@chunkserve/contracts';

import type { AuthenticatedTenant } from '../auth/authenticated-tenant';
import { TenantRepository } from '../tenants/tenant.repository';
import { generateApiKey, keyMatches, prefixOf } from './api-key.secret';
import { ApiKeyRepository } from './api-key.repository';

/** last_used_at is written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly tenants: TenantRepository,
  ) {}

  /** A new key for the tenant; the secret is returned this once and only its hash is stored. */
  async create(tenantId: string): Promise<CreatedApiKey> {
    if (!(await this.tenants.exists(tenantId))) throw new NotFoundException(`No tenant ${tenantId}.`);
    const { key, prefix, hash } = generateApiKey();
    const row = await this.keys.insert(tenantId, prefix, hash);
    return { id: row.id, key, prefix, tenantId, createdAt: row.createdAt.toISOString() };
  }

  async list(tenantId: string): Promise<ApiKeyInfo[]> {
    const rows = await this.keys.listByTenant(tenantId);
    return rows.map((k) => ({
      id: k.id,
      prefix: k.prefix,
      tenantId: k.tenantId,
      createdAt: k.createdAt.toISOString(),
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      revokedAt: k.revokedAt?.toISOString() ?? null,
    }));
  }

  /** Revokes a key: it stops working at once. */
  async revoke(id: string): Promise<void> {
    if (!(await this.keys.revoke(id)) && !(await this.keys.exists(id))) throw new NotFoundException(`No API key ${id}.`);
  }

  /** The tenant of a valid, unrevoked key, else null. */
  async authenticate(key: string): Promise<AuthenticatedTenant | null> {
    const prefix = prefixOf(key);
    if (prefix === null) return null;
    const row = await this.keys.findActiveByPrefix(prefix);
    if (!row || !keyMatches(key, row.keyHash)) return null;
    const now = Date.now();
    if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      // At most once a minute per key, so awaiting it costs little and lists are never stale.
      await this.keys.touchLastUsed(row.id, new Date(now)).catch((err) => this.logger.warn(`last_used_at: ${err}`));
    }
    return { id: row.tenantId, keyId: row.id };
  }
}
