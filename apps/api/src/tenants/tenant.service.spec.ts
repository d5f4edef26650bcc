import { NotFoundException } from '@nestjs/common';

import { automock, configOf } from '../../test/automock';
import { PromptService } from '../prompts/prompt.service';
import { TenantLimitsService } from './tenant-limits.service';
import { TenantRepository, type TenantWithFigures } from './tenant.repository';
import { TenantService } from './tenant.service';

const createdAt = new Date('2026-01-01T00:00:00Z');
const tenant = { id: 't1', name: 'acme', createdAt, pinnedChunkQuota: null, rateLimitRequests: null };
const figures: TenantWithFigures = { ...tenant, rateLimitRequests: 7, activeApiKeys: 2, prompts: 3, pinnedChunks: 4, pinnedTokens: 50, requests: 9 };
const summary = {
  id: 't1',
  name: 'acme',
  createdAt: '2026-01-01T00:00:00.000Z',
  settings: { pinnedChunkQuota: null, rateLimitRequests: 7 },
  activeApiKeys: 2,
  prompts: 3,
  pinnedChunks: 4,
  pinnedTokens: 50,
  requests: 9,
};

describe('TenantService', () => {
  const tenants = automock(TenantRepository);
  const prompts = automock(PromptService);
  const limits = automock(TenantLimitsService);
  const config = configOf({ CHUNK_SIZE: 16, PINNED_TOKENS_QUOTA: 1000, RATE_LIMIT_REQUESTS: 600, RATE_LIMIT_WINDOW_MS: 60_000 });
  const service = new TenantService(tenants, prompts, limits, config);

  it('creates a tenant with its name trimmed', async () => {
    tenants.insert.mockResolvedValue(tenant);
    await expect(service.create('  acme ')).resolves.toEqual({ id: 't1', name: 'acme', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(tenants.insert).toHaveBeenCalledWith('acme');
  });

  it('lists tenants with their settings and figures', async () => {
    tenants.listWithFigures.mockResolvedValue([figures]);
    await expect(service.list()).resolves.toEqual([summary]);
    expect(tenants.listWithFigures).toHaveBeenCalledWith(16);
  });

  it('shows one tenant with the platform defaults; 404 for an unknown one', async () => {
    tenants.listWithFigures.mockResolvedValue([figures]);
    await expect(service.get('t1')).resolves.toEqual({
      ...summary,
      defaults: { pinnedTokensQuota: 1000, rateLimitRequests: 600, rateLimitWindowMs: 60_000, chunkSize: 16 },
    });
    expect(tenants.listWithFigures).toHaveBeenCalledWith(16, 't1');
    tenants.listWithFigures.mockResolvedValue([]);
    await expect(service.get('t9')).rejects.toBeInstanceOf(NotFoundException);
  });

  it('renames and sets limits (null: the default), then forgets the cached limits', async () => {
    tenants.update.mockResolvedValue(true);
    tenants.listWithFigures.mockResolvedValue([figures]);
    await service.update('t1', { name: ' acme-eu ', pinnedChunkQuota: null, rateLimitRequests: 7 });
    expect(tenants.update).toHaveBeenCalledWith('t1', { name: 'acme-eu', pinnedChunkQuota: null, rateLimitRequests: 7 });
    expect(limits.forget).toHaveBeenCalledWith('t1');
    await service.update('t1', { rateLimitRequests: 8 });
    expect(tenants.update).toHaveBeenLastCalledWith('t1', { rateLimitRequests: 8 });
    tenants.update.mockResolvedValue(false);
    await expect(service.update('t9', { name: 'x' })).rejects.toBeInstanceOf(NotFoundException);
  });

  // Issue 10: the database first, so that an unpin that fails can never block the delete.
  it("deletes the tenant, then unpins its prompts", async () => {
    tenants.exists.mockResolvedValue(true);
    await service.remove('t1');
    expect(prompts.unpinAll).toHaveBeenCalledWith('t1');
    expect(tenants.delete).toHaveBeenCalledWith('t1');
    expect(tenants.delete.mock.invocationCallOrder[0]).toBeLessThan(prompts.unpinAll.mock.invocationCallOrder[0]);
  });

  it('answers 404 for an unknown tenant and touches nothing', async () => {
    tenants.exists.mockResolvedValue(false);
    await expect(service.remove('t9')).rejects.toBeInstanceOf(NotFoundException);
    expect(prompts.unpinAll).not.toHaveBeenCalled();
    expect(tenants.delete).not.toHaveBeenCalled();
  });
});
