import { ThrottlerStorageService } from '@nestjs/throttler';

import { automock, configOf } from '../../test/automock';
import { TenantLimitsService } from '../tenants/tenant-limits.service';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  let storage: ThrottlerStorageService;
  let limiter: RateLimiter;
  const tenantLimits = automock(TenantLimitsService);

  beforeEach(() => {
    storage = new ThrottlerStorageService();
    tenantLimits.rateLimit.mockResolvedValue(3);
    limiter = new RateLimiter(storage, configOf({ RATE_LIMIT_WINDOW_MS: 60_000 }), tenantLimits);
  });
  afterEach(() => storage.onApplicationShutdown());

  it("counts each tenant's requests in its own budget and refuses past the limit, saying when to retry", async () => {
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('t1'));
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(decisions[0]).toMatchObject({ limit: 3, resetSeconds: 60 });
    expect(decisions[3].retryAfterSeconds).toBeGreaterThan(0);
    expect(decisions[3].retryAfterSeconds).toBeLessThanOrEqual(60);

    await expect(limiter.consume('t2')).resolves.toMatchObject({ allowed: true, remaining: 2 });
  });
});

describe('RateLimiter with a tenant limit of its own', () => {
  it("counts against the tenant's own limit", async () => {
    const storage = new ThrottlerStorageService();
    const tenantLimits = automock(TenantLimitsService);
    tenantLimits.rateLimit.mockImplementation(async (tenantId) => (tenantId === 'small' ? 1 : 100));
    const limiter = new RateLimiter(storage, configOf({ RATE_LIMIT_WINDOW_MS: 60_000 }), tenantLimits);
    await expect(limiter.consume('small')).resolves.toMatchObject({ allowed: true, limit: 1 });
    await expect(limiter.consume('small')).resolves.toMatchObject({ allowed: false });
    await expect(limiter.consume('big')).resolves.toMatchObject({ allowed: true, limit: 100, remaining: 99 });
    storage.onApplicationShutdown();
  });
});
