import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * Rate limits per tenant over all its endpoints together (runs after ApiKeyGuard, which sets
 * req.tenant); the stock guard counts per route and client IP.
 */
@Injectable()
export class TenantThrottlerGuard extends ThrottlerGuard {
  protected async getTracker(req: Record<string, any>): Promise<string> {
    return `tenant:${req.tenant?.id ?? req.ip}`;
  }

  protected generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return tenantThrottleKey(throttler, tracker);
  }
}

/** The storage key of a tenant's budget, shared by HTTP requests and WebSocket generations. */
export function tenantThrottleKey(throttler: string, tracker: string): string {
  return `${throttler}:${tracker}`;
}
