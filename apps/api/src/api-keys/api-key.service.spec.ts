import { Logger, NotFoundException } from '@nestjs/common';
import type { ApiKey } from '@chunkserve/persistence';

import { automock } from '../../test/automock';
import { TenantRepository } from '../tenants/tenant.repository';
import { ApiKeyRepository } from './api-key.repository';
import { generateApiKey, hashApiKey } from './api-key.secret';
import { ApiKeyService } from './api-key.service';

const createdAt = new Date('2026-01-01T00:00:00Z');
const row = (values: Partial<ApiKey>): ApiKey => ({ id: 'k1', tenantId: 't1', prefix: 'cs_live_x', keyHash: Buffer.alloc(32), createdAt, lastUsedAt: null, revokedAt: null, ...values });

describe('ApiKeyService', () => {
  const keys = automock(ApiKeyRepository);
  const tenants = automock(TenantRepository);
  const service = new ApiKeyService(keys, tenants);

  beforeEach(() => keys.touchLastUsed.mockResolvedValue());

  describe('create', () => {
    it('returns the key once and stores only its prefix and hash', async () => {
      tenants.exists.mockResolvedValue(true);
      keys.insert.mockImplementation(async (tenantId, prefix, keyHash) => row({ tenantId, prefix, keyHash }));
      const created = await service.create('t1');
      const [tenantId, prefix, hash] = keys.insert.mock.calls[0];
      expect(tenantId).toBe('t1');
      expect(created.key.startsWith(prefix)).toBe(true);
      expect(created).toMatchObject({ id: 'k1', prefix, tenantId: 't1', createdAt: '2026-01-01T00:00:00.000Z' });
      expect(hash.equals(hashApiKey(created.key))).toBe(true);
    });

    it('answers 404 for an unknown tenant', async () => {
      tenants.exists.mockResolvedValue(false);
      await expect(service.create('t9')).rejects.toBeInstanceOf(NotFoundException);
      expect(keys.insert).not.toHaveBeenCalled();
    });
  });

  it('lists keys without their hash', async () => {
    keys.listByTenant.mockResolvedValue([row({ lastUsedAt: createdAt })]);
    await expect(service.list('t1')).resolves.toEqual([
      { id: 'k1', prefix: 'cs_live_x', tenantId: 't1', createdAt: '2026-01-01T00:00:00.000Z', lastUsedAt: '2026-01-01T00:00:00.000Z', revokedAt: null },
    ]);
  });

  it('revokes a key; an unknown one is a 404, an already revoked one is not', async () => {
    keys.revoke.mockResolvedValue(true);
    await service.revoke('k1');
    keys.revoke.mockResolvedValue(false);
    keys.exists.mockResolvedValue(true);
    await service.revoke('k1');
    keys.exists.mockResolvedValue(false);
    await expect(service.revoke('k9')).rejects.toBeInstanceOf(NotFoundException);
  });

  describe('authenticate', () => {
    const { key, prefix, hash } = generateApiKey();

    it('finds the tenant of a valid key by its prefix', async () => {
      keys.findActiveByPrefix.mockResolvedValue(row({ prefix, keyHash: hash }));
      await expect(service.authenticate(key)).resolves.toEqual({ id: 't1', keyId: 'k1' });
      expect(keys.findActiveByPrefix).toHaveBeenCalledWith(prefix);
      expect(keys.touchLastUsed).toHaveBeenCalledWith('k1', expect.any(Date));
    });

    it('refuses a malformed key without a lookup, and a key whose secret does not match', async () => {
      await expect(service.authenticate('sk-nonsense')).resolves.toBeNull();
      expect(keys.findActiveByPrefix).not.toHaveBeenCalled();
      keys.findActiveByPrefix.mockResolvedValue(row({ prefix, keyHash: hashApiKey('another key') }));
      await expect(service.authenticate(key)).resolves.toBeNull();
      keys.findActiveByPrefix.mockResolvedValue(null);
      await expect(service.authenticate(key)).resolves.toBeNull();
    });

    it('writes last_used_at at most once a minute, and a failed write does not refuse the key', async () => {
      keys.findActiveByPrefix.mockResolvedValue(row({ prefix, keyHash: hash, lastUsedAt: new Date(Date.now() - 5_000) }));
      await service.authenticate(key);
      expect(keys.touchLastUsed).not.toHaveBeenCalled();

      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      keys.findActiveByPrefix.mockResolvedValue(row({ prefix, keyHash: hash, lastUsedAt: new Date(Date.now() - 120_000) }));
      keys.touchLastUsed.mockRejectedValue(new Error('db down'));
      await expect(service.authenticate(key)).resolves.toEqual({ id: 't1', keyId: 'k1' });
      expect(warn).toHaveBeenCalledWith('last_used_at: Error: db down');
    });
  });
});
