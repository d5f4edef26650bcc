// The SQL of tenants (TypeORM). Deleting a tenant cascades to its keys, prompts and usage rows.
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Tenant } from '@chunkserve/persistence';
import type { TenantSettings } from '@chunkserve/contracts';
import type { Repository } from 'typeorm';

/** A tenant with what it holds (the figures of TenantSummary). */
export interface TenantWithFigures extends Tenant {
  activeApiKeys: number;
  prompts: number;
  pinnedChunks: number;
  pinnedTokens: number;
  requests: number;
}

/** Current versions that hold pins: warm (or being warmed). */
const PINNED_VERSIONS = `
  SELECT p.tenant_id, v.tokens FROM prompts p
    JOIN prompt_versions v ON v.prompt_id = p.id AND v.version = p.current_version
   WHERE v.status IN ('warm', 'warming')`;

@Injectable()
export class TenantRepository {
  constructor(@InjectRepository(Tenant) private readonly tenants: Repository<Tenant>) {}

  insert(name: string): Promise<Tenant> {
    return this.tenants.save(this.tenants.create({ name, pinnedChunkQuota: null, rateLimitRequests: null }));
  }

  /** Oldest first. */
  list(): Promise<Tenant[]> {
    return this.tenants.find({ order: { createdAt: 'ASC' } });
  }

  /** Oldest first, with their keys, prompts, pins and requests; one tenant's with `id`. */
  async listWithFigures(chunkSize: number, id?: string): Promise<TenantWithFigures[]> {
    const rows: Record<string, unknown>[] = await this.tenants.query(
      `SELECT t.id, t.name, t.created_at, t.pinned_chunk_quota, t.rate_limit_requests,
              (SELECT count(*) FROM api_keys k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL)::int AS active_api_keys,
              (SELECT count(*) FROM prompts p WHERE p.tenant_id = t.id)::int AS prompts,
              (SELECT COALESCE(sum(ceil(pv.tokens::float8 / $1)), 0) FROM (${PINNED_VERSIONS}) pv WHERE pv.tenant_id = t.id)::int AS pinned_chunks,
              (SELECT COALESCE(sum(pv.tokens), 0) FROM (${PINNED_VERSIONS}) pv WHERE pv.tenant_id = t.id)::int AS pinned_tokens,
              (SELECT count(*) FROM usage_records u WHERE u.tenant_id = t.id)::bigint AS requests
         FROM tenants t
        WHERE $2::uuid IS NULL OR t.id = $2::uuid
        ORDER BY t.created_at`,
      [chunkSize, id ?? null],
    );
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      createdAt: new Date(r.created_at as string),
      pinnedChunkQuota: r.pinned_chunk_quota as number | null,
      rateLimitRequests: r.rate_limit_requests as number | null,
      activeApiKeys: Number(r.active_api_keys),
      prompts: Number(r.prompts),
      pinnedChunks: Number(r.pinned_chunks),
      pinnedTokens: Number(r.pinned_tokens),
      requests: Number(r.requests),
    }));
  }

  exists(id: string): Promise<boolean> {
    return this.tenants.existsBy({ id });
  }

  /** The tenant's own limits, or null when there is no such tenant. */
  async settingsOf(id: string): Promise<TenantSettings | null> {
    const row = await this.tenants.findOne({ where: { id }, select: { pinnedChunkQuota: true, rateLimitRequests: true } });
    return row ? { pinnedChunkQuota: row.pinnedChunkQuota, rateLimitRequests: row.rateLimitRequests } : null;
  }

  /** True when the tenant exists (and was updated). */
  async update(id: string, changes: Partial<Pick<Tenant, 'name' | 'pinnedChunkQuota' | 'rateLimitRequests'>>): Promise<boolean> {
    if (Object.keys(changes).length === 0) return this.exists(id);
    return Boolean((await this.tenants.update({ id }, changes)).affected);
  }

  async delete(id: string): Promise<void> {
    await this.tenants.delete({ id });
  }
}
