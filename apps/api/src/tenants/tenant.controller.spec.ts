import { automock } from '../../test/automock';
import { TenantController } from './tenant.controller';
import { TenantService } from './tenant.service';

describe('TenantController', () => {
  it('creates, lists, shows, updates and removes tenants through the service', async () => {
    const tenants = automock(TenantService);
    const controller = new TenantController(tenants);
    const info = { id: 't1', name: 'acme', createdAt: '2026-01-01T00:00:00.000Z' };
    tenants.create.mockResolvedValue(info);
    tenants.list.mockResolvedValue([info]);

    await expect(controller.create({ name: 'acme' })).resolves.toBe(info);
    expect(tenants.create).toHaveBeenCalledWith('acme');
    await expect(controller.list()).resolves.toEqual([info]);
    await controller.get('t1');
    expect(tenants.get).toHaveBeenCalledWith('t1');
    await controller.update('t1', { rateLimitRequests: 5 });
    expect(tenants.update).toHaveBeenCalledWith('t1', { rateLimitRequests: 5 });
    await controller.remove('t1');
    expect(tenants.remove).toHaveBeenCalledWith('t1');
  });
});
