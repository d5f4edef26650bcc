import { NotFoundException } from '@nestjs/common';

import { automock } from '../../test/automock';
import { PromptService } from '../prompts/prompt.service';
import { TenantRepository } from './tenant.repository';
import { TenantService } from './tenant.service';

const createdAt = new Date('2026-01-01T00:00:00Z');

describe('TenantService', () => {
  const tenants = automock(TenantRepository);
  const prompts = automock(PromptService);
  const service = new TenantService(tenants, prompts);

  it('creates a tenant with its name trimmed', async () => {
    tenants.insert.mockResolvedValue({ id: 't1', name: 'acme', createdAt });
    await expect(service.create('  acme ')).resolves.toEqual({ id: 't1', name: 'acme', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(tenants.insert).toHaveBeenCalledWith('acme');
  });

  it('lists tenants as the contract shows them', async () => {
    tenants.list.mockResolvedValue([{ id: 't1', name: 'acme', createdAt }]);
    await expect(service.list()).resolves.toEqual([{ id: 't1', name: 'acme', createdAt: '2026-01-01T00:00:00.000Z' }]);
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
