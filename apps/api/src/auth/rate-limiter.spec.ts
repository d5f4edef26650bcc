import { ThrottlerStorageService } from '@nestjs/throttler';

import { configOf } from '../../test/automock';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  let storage: ThrottlerStorageService;
  let limiter: RateLimiter;

  beforeEach(() => {
    storage = new ThrottlerStorageService();
    limiter = new RateLimiter(storage, configOf({ RATE_LIMIT_REQUESTS: 3, RATE_LIMIT_WINDOW_MS: 60_000 }));
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
