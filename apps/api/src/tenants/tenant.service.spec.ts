import { NotFoundException } from '@nestjs/common';

import { automock } from '../../test/automock';
import { PromptService } from '../prompts/prompt.service';
import { TenantRepository } from './tenant.repository';
import { TenantService } from './tenant.service';

const createdAt = new Date('2026-01-01T00:00:00Z');

describe('TenantService', () => {
  let tenants: ReturnType<typeof automock<TenantRepository>>;
  let prompts: ReturnType<typeof automock<PromptService>>;
  let service: TenantService;

  beforeEach(() => {
    tenants = automock(TenantRepository);
    prompts = automock(PromptService);
    service = new TenantService(tenants as unknown as TenantRepository, prompts as unknown as PromptService);
  });

  it('creates a tenant with its name trimmed', async () => {
    tenants.insert.mockResolvedValue({ id: 't1', name: 'acme', createdAt });
    await expect(service.create('  acme ')).resolves.toEqual({ id: 't1', name: 'acme', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(tenants.insert).toHaveBeenCalledWith('acme');
  });

  it('lists tenants as the contract shows them', async () => {
    tenants.list.mockResolvedValue([{ id: 't1', name: 'acme', createdAt }]);
    await expect(service.list()).resolves.toEqual([{ id: 't1', name: 'acme', createdAt: '2026-01-01T00:00:00.000Z' }]);
  });

  it("unpins a tenant's prompts before deleting it", async () => {
    tenants.exists.mockResolvedValue(true);
    await service.remove('t1');
    expect(prompts.unpinAll).toHaveBeenCalledWith('t1');
    expect(tenants.delete).toHaveBeenCalledWith('t1');
    expect(prompts.unpinAll.mock.invocationCallOrder[0]).toBeLessThan(tenants.delete.mock.invocationCallOrder[0]);
  });

  it('answers 404 for an unknown tenant and touches nothing', async () => {
    tenants.exists.mockResolvedValue(false);
    await expect(service.remove('t9')).rejects.toBeInstanceOf(NotFoundException);
    expect(prompts.unpinAll).not.toHaveBeenCalled();
    expect(tenants.delete).not.toHaveBeenCalled();
  });
});
