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

  it('checks pins in chunks against a quota of its own: a 13-token prompt is one chunk', async () => {
    const limits = service();
    tenants.settingsOf.mockResolvedValue({ pinnedChunkQuota: 3, rateLimitRequests: null });
    tenants.pinnedChunks.mockResolvedValue(2);
    await expect(limits.checkPinnedChunks('t1', 13, 0)).resolves.toBe(true);
    expect(tenants.pinnedChunks).toHaveBeenCalledWith('t1', 16);
    // Replacing a 17-token version (2 chunks) by a 48-token one (3 chunks): 2 - 2 + 3 = 3.
    await expect(limits.checkPinnedChunks('t1', 48, 17)).resolves.toBe(true);
    await expect(limits.checkPinnedChunks('t1', 17, 0)).rejects.toMatchObject({ status: 403, code: 'pinned_chunks_quota_exceeded' });
  });

  it('leaves the check to the platform quota when the tenant has none', async () => {
    tenants.settingsOf.mockResolvedValue({ pinnedChunkQuota: null, rateLimitRequests: null });
    await expect(service().checkPinnedChunks('t1', 10_000, 0)).resolves.toBe(false);
    expect(tenants.pinnedChunks).not.toHaveBeenCalled();
  });
});
