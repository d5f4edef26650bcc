import { automock } from '../../test/automock';
import { ApiKeyController } from './api-key.controller';
import { ApiKeyService } from './api-key.service';

describe('ApiKeyController', () => {
  it("creates and lists a tenant's keys and revokes a key through the service", async () => {
    const keys = automock(ApiKeyService);
    const controller = new ApiKeyController(keys);
    const created = { id: 'k1', key: 'cs_live_x', prefix: 'cs_live', tenantId: 't1', createdAt: 'now' };
    keys.create.mockResolvedValue(created);
    keys.list.mockResolvedValue([]);

    await expect(controller.create('t1')).resolves.toBe(created);
    expect(keys.create).toHaveBeenCalledWith('t1');
    await expect(controller.list('t1')).resolves.toEqual([]);
    expect(keys.list).toHaveBeenCalledWith('t1');
    await controller.revoke('k1');
    expect(keys.revoke).toHaveBeenCalledWith('k1');
  });
});
