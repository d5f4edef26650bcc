import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Response } from 'express';

import { RateLimiter } from './rate-limiter';

/**
 * Rate limits per tenant over all its endpoints together (runs after ApiKeyGuard, which sets
 * req.tenant), with @nestjs/throttler's headers and 429 exception.
 */
@Injectable()
export class TenantThrottlerGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const res = http.getResponse<Response>();
    const decision = await this.limiter.consume(http.getRequest().tenant.id);
    if (!decision.allowed) {
      res.header('Retry-After', String(decision.retryAfterSeconds));
      throw new ThrottlerException();
    }
    res.header('X-RateLimit-Limit', String(decision.limit));
    res.header('X-RateLimit-Remaining', String(decision.remaining));
    res.header('X-RateLimit-Reset', String(decision.resetSeconds));
    return true;
  }
}
