// A tenant's own limits (pinned-chunk quota, rate limit), read on every rate-limited request and
// prompt write: cached briefly, and forgotten at once when the admin changes them.
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { TenantSettings } from '@chunkserve/contracts';

import { OpenAiError } from '../common/openai-error';
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

  /**
   * With a pinned-chunk quota of its own, checks that pinning `addingTokens` more (and releasing
   * `releasingTokens`) stays within it and answers true; false when the platform default applies.
   */
  async checkPinnedChunks(tenantId: string, addingTokens: number, releasingTokens: number): Promise<boolean> {
    const quota = (await this.settingsOf(tenantId)).pinnedChunkQuota;
    if (quota === null) return false;
    const chunkSize = this.config.get('CHUNK_SIZE', { infer: true });
    const chunks = (tokens: number) => Math.ceil(tokens / chunkSize);
    const used = await this.tenants.pinnedChunks(tenantId, chunkSize);
    const after = used - chunks(releasingTokens) + chunks(addingTokens);
    if (after > quota) {
      throw new OpenAiError(
        403,
        `Pinned-chunk quota exceeded: this prompt needs ${chunks(addingTokens)} chunks, the tenant pins ${used - chunks(releasingTokens)} ` +
          `of its ${quota} (its pinned-chunk quota). Shorten or delete a prompt, or raise the quota.`,
        'invalid_request_error',
        'pinned_chunks_quota_exceeded',
        'content',
      );
    }
    return true;
  }
}
