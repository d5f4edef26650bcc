import { automock, configOf } from '../../test/automock';
import { TenantLimitsService } from './tenant-limits.service';
import { TenantRepository } from './tenant.repository';

describe('TenantLimitsService', () => {
  const tenants = automock(TenantRepository);
  const service = () => new TenantLimitsService(tenants, configOf({ RATE_LIMIT_REQUESTS: 600, CHUNK_SIZE: 16 }));

  it("uses the tenant's rate limit, else the platform's, and caches it until forgotten", async () => {
    const limits = service();
    tenants.settingsOf.mockResolvedValue({ pinnedChunkQuota: null, rateLimitRequests: 5 });
    await expect(limits.rateLimit('t1')).resolves.toBe(5);
    tenants.settingsOf.mockResolvedValue({ pinnedChunkQuota: null, rateLimitRequests: null });
    await expect(limits.rateLimit('t1')).resolves.toBe(5);
    limits.forget('t1');
    await expect(limits.rateLimit('t1')).resolves.toBe(600);
    expect(tenants.settingsOf).toHaveBeenCalledTimes(2);
  });

  it('re-reads the settings after 5 s', async () => {
    const limits = service();
    tenants.settingsOf.mockResolvedValue({ pinnedChunkQuota: 3, rateLimitRequests: null });
    await limits.settingsOf('t1', 0);
    await limits.settingsOf('t1', 4_999);
    await limits.settingsOf('t1', 5_001);
    expect(tenants.settingsOf).toHaveBeenCalledTimes(2);
  });
});
