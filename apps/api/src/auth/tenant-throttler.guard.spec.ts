import type { ExecutionContext } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';

import { automock } from '../../test/automock';
import { toOpenAiError } from '../common/openai-exception.filter';
import { RateLimiter, type RateLimitDecision } from './rate-limiter';
import { TenantThrottlerGuard } from './tenant-throttler.guard';

describe('TenantThrottlerGuard', () => {
  const limiter = automock(RateLimiter);
  const guard = new TenantThrottlerGuard(limiter);
  const decision = (values: Partial<RateLimitDecision>): RateLimitDecision => ({ allowed: true, limit: 5, remaining: 4, resetSeconds: 60, retryAfterSeconds: 0, ...values });
  const req = { tenant: { id: 't1', keyId: 'k1' } };
  const res = { header: (name: string, value: string) => (headers[name] = value) };
  const context = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ExecutionContext;
  let headers: Record<string, string>;

  beforeEach(() => (headers = {}));

  it("draws on the tenant's budget and reports it in the X-RateLimit headers", async () => {
    limiter.consume.mockResolvedValue(decision({ remaining: 3, resetSeconds: 42 }));
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(limiter.consume).toHaveBeenCalledWith('t1');
    expect(headers).toEqual({ 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': '3', 'X-RateLimit-Reset': '42' });
  });

  it("answers a spent budget with a 429 in OpenAI's shape and Retry-After", async () => {
    limiter.consume.mockResolvedValue(decision({ allowed: false, remaining: 0, retryAfterSeconds: 17 }));
    const refusal = guard.canActivate(context);
    await expect(refusal).rejects.toBeInstanceOf(ThrottlerException);
    expect(headers).toEqual({ 'Retry-After': '17' });
    const error = await refusal.catch((err) => toOpenAiError(err));
    expect(error).toMatchObject({ status: 429, body: { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } } });
  });
});
