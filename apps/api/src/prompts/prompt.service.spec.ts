import { Logger } from '@nestjs/common';
import type { Prompt, PromptVersion } from '@chunkserve/persistence';

import { automock, configOf } from '../../test/automock';
import { EngineService } from '../engine/engine.service';
import { TenantLimitsService } from '../tenants/tenant-limits.service';
import { PromptRepository, type PromptWithCurrent } from './prompt.repository';
import { PromptService } from './prompt.service';

const at = new Date('2026-01-01T00:00:00Z');
const prompt = (values: Partial<Prompt> = {}): Prompt => ({ id: 'p1', tenantId: 't1', name: 'support', currentVersion: 1, createdAt: at, updatedAt: at, ...values });
const version = (values: Partial<PromptVersion> = {}): PromptVersion => ({
  id: 'v1',
  promptId: 'p1',
  version: 1,
  content: 'old',
  tokens: 10,
  cachedTokens: 8,
  chunks: 1,
  status: 'warm',
  createdAt: at,
  ...values,
});
const withCurrent = (p: Prompt, v: PromptVersion): PromptWithCurrent => Object.assign(p, { current: v });

describe('PromptService', () => {
  const repository = automock(PromptRepository);
  const engine = automock(EngineService);
  const service = new PromptService(repository, engine, configOf({ PINNED_TOKENS_QUOTA: 100 }), automock(TenantLimitsService));

  beforeEach(() => {
    // The transaction hands its callback the same (mocked) repository.
    repository.writeLocked.mockImplementation((_tenant, work) => work(repository));
    engine.encodeSystemPrefix.mockImplementation((content: string) => Array.from(content, (c) => c.charCodeAt(0)));
    engine.prewarm.mockImplementation(async (_tenant, tokens) => ({ tokens: tokens.length, cachedTokens: 0, chunks: 2, chunkIds: [1, 2], residentTokens: tokens.length - 1 }));
  });

  describe('create', () => {
    it('pins the rendered system turn under the tenant lock and stores version 1 with what pre-warming measured', async () => {
      repository.nameTaken.mockResolvedValue(false);
      repository.pinnedTokens.mockResolvedValue(0);
      repository.insertPrompt.mockResolvedValue(prompt());
      repository.insertVersion.mockImplementation(async (v) => version({ ...v, id: 'v1' }));

      const info = await service.create('t1', 'support', 'hello');

      expect(repository.writeLocked).toHaveBeenCalledWith('t1', expect.any(Function));
      expect(engine.prewarm).toHaveBeenCalledWith('t1', [104, 101, 108, 108, 111]);
      expect(repository.insertPrompt).toHaveBeenCalledWith('t1', 'support', 1);
      expect(repository.insertVersion).toHaveBeenCalledWith({ promptId: 'p1', version: 1, content: 'hello', tokens: 5, cachedTokens: 4, chunks: 2, status: 'warm' });
      expect(info).toMatchObject({ id: 'p1', name: 'support', version: 1, tokens: 5, cachedTokens: 4, chunks: 2, status: 'warm' });
    });

    it('refuses a taken name with 409 before touching the engine', async () => {
      repository.nameTaken.mockResolvedValue(true);
      await expect(service.create('t1', 'support', 'hello')).rejects.toMatchObject({ status: 409, code: 'prompt_exists', param: 'name' });
      expect(engine.prewarm).not.toHaveBeenCalled();
    });

    it('refuses a prompt over the pinned-token quota with 403, naming the quota', async () => {
      repository.nameTaken.mockResolvedValue(false);
      repository.pinnedTokens.mockResolvedValue(98);
      const refusal = service.create('t1', 'support', 'hello');
      await expect(refusal).rejects.toMatchObject({ status: 403, code: 'pinned_tokens_quota_exceeded', param: 'content' });
      await expect(refusal).rejects.toThrow('this prompt needs 5 tokens, the tenant pins 98 of its 100 (PINNED_TOKENS_QUOTA)');
      expect(repository.pinnedTokens).toHaveBeenCalledWith('t1');
      expect(engine.prewarm).not.toHaveBeenCalled();
    });

    it('unpins what it pinned when storing fails', async () => {
      repository.nameTaken.mockResolvedValue(false);
      repository.pinnedTokens.mockResolvedValue(0);
      repository.insertPrompt.mockRejectedValue(new Error('db down'));
      await expect(service.create('t1', 'support', 'hello')).rejects.toThrow('db down');
      expect(engine.unpin).toHaveBeenCalledWith('t1', [104, 101, 108, 108, 111]);
    });
  });

  describe('update', () => {
    it('stores the next version, supersedes the previous one and unpins it after the new one is pinned', async () => {
      const current = prompt({ currentVersion: 1 });
      repository.findOwned.mockResolvedValue(current);
      repository.findVersion.mockResolvedValue(version({ content: 'old', tokens: 95 }));
      repository.pinnedTokens.mockResolvedValue(95);
      repository.insertVersion.mockImplementation(async (v) => version({ ...v, id: 'v2' }));
      repository.savePrompt.mockImplementation(async (p) => p);

      const info = await service.update('t1', 'p1', 'new');

      // The previous version's 95 tokens are released: 95 - 95 + 3 fits the quota of 100.
      expect(repository.findVersion).toHaveBeenCalledWith('p1', 1);
      expect(repository.insertVersion).toHaveBeenCalledWith(expect.objectContaining({ promptId: 'p1', version: 2, content: 'new', status: 'warm' }));
      expect(repository.updateVersion).toHaveBeenCalledWith('v1', { status: 'superseded' });
      expect(repository.savePrompt).toHaveBeenCalledWith(expect.objectContaining({ currentVersion: 2 }));
      expect(info).toMatchObject({ version: 2 });
      expect(engine.prewarm.mock.invocationCallOrder[0]).toBeLessThan(engine.unpin.mock.invocationCallOrder[0]);
      expect(engine.unpin).toHaveBeenCalledWith('t1', [111, 108, 100]);
    });

    it("answers 404 for another tenant's prompt", async () => {
      repository.findOwned.mockResolvedValue(null);
      await expect(service.update('t2', 'p1', 'new')).rejects.toMatchObject({ status: 404, code: 'prompt_not_found' });
      expect(repository.findOwned).toHaveBeenCalledWith('t2', 'p1');
    });
  });

  it('remove deletes the prompt and unpins its current version when warm', async () => {
    repository.findOwned.mockResolvedValue(prompt({ currentVersion: 3 }));
    repository.findVersion.mockResolvedValue(version({ version: 3, content: 'abc' }));
    await service.remove('t1', 'p1');
    expect(repository.findVersion).toHaveBeenCalledWith('p1', 3);
    expect(repository.deletePrompt).toHaveBeenCalledWith('p1');
    expect(engine.unpin).toHaveBeenCalledWith('t1', [97, 98, 99]);

    engine.unpin.mockClear();
    repository.findVersion.mockResolvedValue(version({ status: 'failed' }));
    await service.remove('t1', 'p1');
    expect(engine.unpin).not.toHaveBeenCalled();
  });

  it("list shows each prompt's current version", async () => {
    repository.listWithCurrent.mockResolvedValue([withCurrent(prompt(), version({ version: 2, tokens: 7 }))]);
    await expect(service.list('t1')).resolves.toEqual([expect.objectContaining({ id: 'p1', version: 2, tokens: 7 })]);
    expect(repository.listWithCurrent).toHaveBeenCalledWith('t1');
  });

  it('resolve gives the current content of an owned prompt', async () => {
    repository.findOwned.mockResolvedValue(prompt({ currentVersion: 2 }));
    repository.findVersion.mockResolvedValue(version({ version: 2, content: 'now' }));
    await expect(service.resolve('t1', 'p1')).resolves.toEqual({ id: 'p1', version: 2, content: 'now' });
  });

  it('unpinAll unpins only the warm current versions of the tenant', async () => {
    repository.listWithCurrent.mockResolvedValue([
      withCurrent(prompt(), version({ content: 'a' })),
      withCurrent(prompt({ id: 'p2' }), version({ content: 'b', status: 'failed' })),
    ]);
    await service.unpinAll('t1');
    expect(repository.listWithCurrent).toHaveBeenCalledWith('t1');
    expect(engine.unpin.mock.calls).toEqual([['t1', [97]]]);
  });

  it("rewarmAll pins every tenant's current versions again and marks those that no longer fit as failed", async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    repository.listWithCurrent.mockResolvedValue([
      withCurrent(prompt({ tenantId: 't1' }), version({ id: 'v1', content: 'ab' })),
      withCurrent(prompt({ id: 'p2', tenantId: 't2' }), version({ id: 'v2', promptId: 'p2', content: 'too big' })),
    ]);
    engine.prewarm.mockResolvedValueOnce({ tokens: 2, cachedTokens: 0, chunks: 1, chunkIds: [1], residentTokens: 2 }).mockRejectedValueOnce(new Error('pool full'));

    await expect(service.rewarmAll()).resolves.toEqual({ warmed: 1, failed: 1 });
    expect(repository.listWithCurrent).toHaveBeenCalledWith();
    expect(engine.prewarm.mock.calls.map(([tenant]) => tenant)).toEqual(['t1', 't2']);
    expect(repository.updateVersion).toHaveBeenCalledWith('v1', { status: 'warm', tokens: 2, cachedTokens: 2, chunks: 1 });
    expect(repository.updateVersion).toHaveBeenCalledWith('v2', { status: 'failed' });
  });
});
