import type { Prompt, PromptVersion } from '@chunkserve/persistence';

import { automock, configOf } from '../../test/automock';
import { EngineService } from '../engine/engine.service';
import { TenantLimitsService } from '../tenants/tenant-limits.service';
import { PromptReconciler } from './prompt-reconciler.service';
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
  chunks: 3,
  status: 'warm',
  statusDetail: null,
  createdAt: at,
  ...values,
});
const withCurrent = (p: Prompt, v: PromptVersion): PromptWithCurrent => Object.assign(p, { current: v });

describe('PromptService', () => {
  const repository = automock(PromptRepository);
  const reconciler = automock(PromptReconciler);
  const tenantLimits = automock(TenantLimitsService);
  // 4-token chunks, a pool of 40 chunks: the budget at 0.5 is 20 chunks; the tenant quota 40 tokens = 10 chunks.
  const engine = automock(EngineService, { chunkSize: 4, model: { contextLength: 50 } as EngineService['model'] });
  const service = new PromptService(repository, engine, configOf({ PINNED_TOKENS_QUOTA: 40, PINNED_POOL_FRACTION: 0.5 }), reconciler, tenantLimits);
  const report = { pinned: 1, failed: 0, skipped: [], unpinned: 0 };

  beforeEach(() => {
    // The transaction hands its callback the same (mocked) repository.
    repository.writeLocked.mockImplementation((work) => work(repository));
    engine.encodeSystemPrefix.mockImplementation((content: string) => Array.from(content, (c) => c.charCodeAt(0)));
    engine.stats.mockReturnValue({ capacityChunks: 40 } as never);
    reconciler.sync.mockResolvedValue(report);
    repository.pinningChunks.mockResolvedValue(0);
    tenantLimits.settingsOf.mockResolvedValue({ pinnedChunkQuota: null, rateLimitRequests: null });
  });

  describe('create', () => {
    it('stores version 1 as warming in a short transaction, then lets the reconciler pin it and answers with what it measured', async () => {
      repository.nameTaken.mockResolvedValue(false);
      repository.insertPrompt.mockResolvedValue(prompt());
      repository.insertVersion.mockImplementation(async (v) => version({ ...v, id: 'v1' }));
      repository.findVersionById.mockResolvedValue(version({ content: 'hello', tokens: 5, cachedTokens: 4, chunks: 2, status: 'warm' }));

      const info = await service.create('t1', 'support', 'hello');

      expect(repository.insertPrompt).toHaveBeenCalledWith('t1', 'support', 1);
      // 5 tokens in 4-token chunks: 2 chunks counted.
      expect(repository.insertVersion).toHaveBeenCalledWith({ promptId: 'p1', version: 1, content: 'hello', tokens: 5, cachedTokens: 0, chunks: 2, status: 'warming' });
      // The engine is never called inside the transaction: the reconciler runs after it committed.
      expect(repository.writeLocked.mock.invocationCallOrder[0]).toBeLessThan(reconciler.sync.mock.invocationCallOrder[0]);
      expect(engine.prewarm).not.toHaveBeenCalled();
      expect(reconciler.hint).toHaveBeenCalledWith('v1', [104, 101, 108, 108, 111]);
      expect(repository.findVersionById).toHaveBeenCalledWith('v1');
      expect(info).toMatchObject({ id: 'p1', name: 'support', version: 1, tokens: 5, cachedTokens: 4, chunks: 2, status: 'warm' });
    });

    it('answers with the failure and its reason when the engine could not pin it', async () => {
      repository.nameTaken.mockResolvedValue(false);
      repository.insertPrompt.mockResolvedValue(prompt());
      repository.insertVersion.mockImplementation(async (v) => version({ ...v, id: 'v1' }));
      repository.findVersionById.mockResolvedValue(version({ status: 'failed', statusDetail: 'the engine could not pin it: full' }));
      await expect(service.create('t1', 'support', 'hello')).resolves.toMatchObject({ status: 'failed', statusDetail: 'the engine could not pin it: full' });
    });

    it('refuses a taken name with 409 before storing anything', async () => {
      repository.nameTaken.mockResolvedValue(true);
      await expect(service.create('t1', 'support', 'hello')).rejects.toMatchObject({ status: 409, code: 'prompt_exists', param: 'name' });
      expect(repository.insertPrompt).not.toHaveBeenCalled();
      expect(reconciler.sync).not.toHaveBeenCalled();
    });

    it("refuses past the tenant's quota counted in whole chunks", async () => {
      repository.nameTaken.mockResolvedValue(false);
      // The tenant holds 9 chunks (36 tokens counted) of its 40-token quota: a 5-token prompt needs 2 more chunks.
      repository.pinningChunks.mockImplementation(async (tenant) => (tenant === 't1' ? 9 : 9));
      const refusal = service.create('t1', 'support', 'hello');
      await expect(refusal).rejects.toMatchObject({ status: 403, code: 'pinned_tokens_quota_exceeded', param: 'content' });
      await expect(refusal).rejects.toThrow('the tenant pins 36 of its 40 (PINNED_TOKENS_QUOTA)');
      expect(repository.insertPrompt).not.toHaveBeenCalled();
    });

    it("applies the tenant's own pinned-chunk quota instead of PINNED_TOKENS_QUOTA", async () => {
      repository.nameTaken.mockResolvedValue(false);
      tenantLimits.settingsOf.mockResolvedValue({ pinnedChunkQuota: 5, rateLimitRequests: null });
      // 4 chunks held: a 5-token prompt (2 chunks) is past the tenant's 5, though the 40-token quota would allow it.
      repository.pinningChunks.mockResolvedValue(4);
      await expect(service.create('t1', 'support', 'hello')).rejects.toMatchObject({ status: 403, code: 'pinned_chunks_quota_exceeded' });
      expect(tenantLimits.settingsOf).toHaveBeenCalledWith('t1');
      expect(repository.insertPrompt).not.toHaveBeenCalled();
    });

    it("refuses past the platform's pinned budget with a 4xx naming it", async () => {
      repository.nameTaken.mockResolvedValue(false);
      repository.pinningChunks.mockImplementation(async (tenant) => (tenant === undefined ? 19 : 0));
      await expect(service.create('t1', 'support', 'hello')).rejects.toMatchObject({ status: 403, code: 'pinned_pool_budget_exceeded', message: expect.stringContaining('PINNED_POOL_FRACTION') });
      expect(repository.insertPrompt).not.toHaveBeenCalled();
    });

    it("refuses content that fills the model's context with a 400", async () => {
      repository.nameTaken.mockResolvedValue(false);
      const quota = new PromptService(repository, engine, configOf({ PINNED_TOKENS_QUOTA: 1000, PINNED_POOL_FRACTION: 1 }), reconciler, tenantLimits);
      await expect(quota.create('t1', 'support', 'x'.repeat(50))).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'content' });
      expect(repository.insertPrompt).not.toHaveBeenCalled();
    });
  });

  describe('update', () => {
    it('stores the next version, supersedes the previous one (its chunks released from the quota) and lets the reconciler swap the pins', async () => {
      const current = prompt({ currentVersion: 1 });
      repository.findOwned.mockResolvedValue(current);
      repository.findVersion.mockResolvedValue(version({ content: 'old', chunks: 9 }));
      repository.pinningChunks.mockResolvedValue(9);
      repository.insertVersion.mockImplementation(async (v) => version({ ...v, id: 'v2' }));
      repository.savePrompt.mockImplementation(async (p) => p);
      repository.findVersionById.mockResolvedValue(version({ id: 'v2', version: 2, status: 'warm' }));

      const info = await service.update('t1', 'p1', 'new');

      // 9 - 9 + 1 chunks fits the quota of 10.
      expect(repository.findVersion).toHaveBeenCalledWith('p1', 1);
      expect(repository.insertVersion).toHaveBeenCalledWith(expect.objectContaining({ promptId: 'p1', version: 2, content: 'new', chunks: 1, status: 'warming' }));
      expect(repository.supersede).toHaveBeenCalledWith('v1');
      expect(repository.savePrompt).toHaveBeenCalledWith(expect.objectContaining({ currentVersion: 2 }));
      expect(reconciler.sync).toHaveBeenCalled();
      expect(info).toMatchObject({ version: 2, status: 'warm' });
    });

    it("answers 404 for another tenant's prompt", async () => {
      repository.findOwned.mockResolvedValue(null);
      await expect(service.update('t2', 'p1', 'new')).rejects.toMatchObject({ status: 404, code: 'prompt_not_found' });
      expect(repository.findOwned).toHaveBeenCalledWith('t2', 'p1');
    });
  });

  it('remove deletes the prompt, then waits for the reconciler to unpin it', async () => {
    repository.findOwned.mockResolvedValue(prompt({ currentVersion: 3 }));
    await service.remove('t1', 'p1');
    expect(repository.deletePrompt).toHaveBeenCalledWith('p1');
    expect(repository.deletePrompt.mock.invocationCallOrder[0]).toBeLessThan(reconciler.sync.mock.invocationCallOrder[0]);
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

  it('rewarmAll marks every current version warming, then reconciles and passes on the report', async () => {
    await expect(service.rewarmAll()).resolves.toBe(report);
    expect(repository.markCurrentWarming.mock.invocationCallOrder[0]).toBeLessThan(reconciler.sync.mock.invocationCallOrder[0]);
  });
});
