// A tenant's own limits (pinned-chunk quota, rate limit), read on every rate-limited request and
// prompt write: cached briefly, and forgotten at once when the admin changes them. PromptService
// checks the pinned-chunk quota with the platform's budget (prompts/pin-budget.ts).
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { TenantSettings } from '@chunkserve/contracts';

import type { Environment } from '../config/environment';
import { TenantRepository } from './tenant.repository';

const CACHE_MS = 5_000;
const NO_SETTINGS: TenantSettings = { pinnedChunkQuota: null, rateLimitRequests: null };

@Injectable()
export class TenantLimitsService {
  private readonly cache = new Map<string, { settings: TenantSettings; until: number }>();

  constructor(
    private readonly tenants: TenantRepository,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async settingsOf(tenantId: string, now = Date.now()): Promise<TenantSettings> {
    const hit = this.cache.get(tenantId);
    if (hit && hit.until > now) return hit.settings;
    const settings = (await this.tenants.settingsOf(tenantId)) ?? NO_SETTINGS;
    this.cache.set(tenantId, { settings, until: now + CACHE_MS });
    return settings;
  }

  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  /** The tenant's requests per window: its own setting, else RATE_LIMIT_REQUESTS. */
  async rateLimit(tenantId: string): Promise<number> {
    return (await this.settingsOf(tenantId)).rateLimitRequests ?? this.config.get('RATE_LIMIT_REQUESTS', { infer: true });
  }
}
