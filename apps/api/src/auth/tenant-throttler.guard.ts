import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/** Rate limits per tenant (runs after ApiKeyGuard, which sets req.tenant). */
@Injectable()
export class TenantThrottlerGuard extends ThrottlerGuard {
  protected async getTracker(req: Record<string, any>): Promise<string> {
    return `tenant:${req.tenant?.id ?? req.ip}`;
  }
}
