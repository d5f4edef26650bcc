// The tenant's request budget: its own rate limit (else RATE_LIMIT_REQUESTS) per RATE_LIMIT_WINDOW_MS over all its HTTP
// requests and WebSocket generations together, counted in @nestjs/throttler's storage.
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';

import type { Environment } from '../config/environment';
import { TenantLimitsService } from '../tenants/tenant-limits.service';

const THROTTLER = 'default';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the window. */
  remaining: number;
  /** Seconds until the window's count expires. */
  resetSeconds: number;
  /** When refused: seconds until the tenant may ask again. */
  retryAfterSeconds: number;
}

@Injectable()
export class RateLimiter {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly config: ConfigService<Environment, true>,
    private readonly tenantLimits: TenantLimitsService,
  ) {}

  /** Counts one request of the tenant against its budget. */
  async consume(tenantId: string): Promise<RateLimitDecision> {
    const ttl = this.config.get('RATE_LIMIT_WINDOW_MS', { infer: true });
    const limit = await this.tenantLimits.rateLimit(tenantId);
    const record = await this.storage.increment(`${THROTTLER}:tenant:${tenantId}`, ttl, limit, ttl, THROTTLER);
    return {
      allowed: !record.isBlocked,
      limit,
      remaining: Math.max(0, limit - record.totalHits),
      resetSeconds: record.timeToExpire,
      retryAfterSeconds: record.timeToBlockExpire,
    };
  }
}
