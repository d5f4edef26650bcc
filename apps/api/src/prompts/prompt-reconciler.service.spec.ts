import { Logger } from '@nestjs/common';
import type { Prompt, PromptVersion } from '@chunkserve/persistence';

import { automock, configOf } from '../../test/automock';
import { EngineService } from '../engine/engine.service';
import { PromptReconciler } from './prompt-reconciler.service';
import { PromptRepository, type PromptWithCurrent } from './prompt.repository';

const at = new Date('2026-01-01T00:00:00Z');
/** A prompt whose current version has `content`; its tokens are the content's characters. */
const current = (id: string, content: string, values: Partial<PromptVersion> = {}): PromptWithCurrent =>
  Object.assign({ id, tenantId: 't1', name: id, currentVersion: 1, createdAt: at, updatedAt: at } as Prompt, {
    current: { id: `${id}-v1`, promptId: id, version: 1, content, tokens: content.length, cachedTokens: 0, chunks: 1, status: 'warming', statusDetail: null, createdAt: at, ...values } as PromptVersion,
  });
const tokensOf = (content: string) => Array.from(content, (c) => c.charCodeAt(0));
const notPinned = () => Object.assign(new Error('unpin: prefix is not pinned'), { code: 'ERR_NOT_PINNED' });

describe('PromptReconciler', () => {
  const repository = automock(PromptRepository);
  // 4-token chunks, a pool of 12 chunks: the budget at 0.5 is 6 chunks.
  const engine = automock(EngineService, { chunkSize: 4 });
  let reconciler: PromptReconciler;
  let stored: PromptWithCurrent[];

  beforeEach(() => {
    reconciler = new PromptReconciler(repository, engine, configOf({ PINNED_POOL_FRACTION: 0.5, RECONCILE_INTERVAL_MS: 1000 }));
    stored = [];
    repository.listWithCurrent.mockImplementation(async () => stored);
    repository.markWarm.mockResolvedValue(true);
    engine.stats.mockReturnValue({ capacityChunks: 12 } as never);
    engine.encodeSystemPrefix.mockImplementation(tokensOf);
    engine.prewarm.mockImplementation(async (_tenant, tokens) => ({ tokens: tokens.length, cachedTokens: 0, residentTokens: tokens.length, chunks: Math.ceil(tokens.length / 4), chunkIds: [] }));
    engine.unpin.mockResolvedValue(undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  it('pins what the database wants pinned and records it warm; a second pass does nothing', async () => {
    stored = [current('a', 'aaaaa')];
    await expect(reconciler.sync()).resolves.toEqual({ pinned: 1, failed: 0, skipped: [], unpinned: 0 });
    expect(engine.prewarm).toHaveBeenCalledWith('t1', tokensOf('aaaaa'));
    expect(repository.markWarm).toHaveBeenCalledWith('a-v1', { tokens: 5, cachedTokens: 5, chunks: 2 });
    await expect(reconciler.sync()).resolves.toEqual({ pinned: 0, failed: 0, skipped: [], unpinned: 0 });
    expect(engine.prewarm).toHaveBeenCalledTimes(1);
    expect(reconciler.pinnedChunks()).toBe(2);
  });

  it('uses the tokens the writer hinted instead of tokenizing again', async () => {
    stored = [current('a', 'aaaaa')];
    reconciler.hint('a-v1', [9, 9]);
    await reconciler.sync();
    expect(engine.encodeSystemPrefix).not.toHaveBeenCalled();
    expect(engine.prewarm).toHaveBeenCalledWith('t1', [9, 9]);
  });

  it('pins a new version before unpinning the one it replaces, and unpins deleted prompts', async () => {
    stored = [current('a', 'old!'), current('b', 'bbbb')];
    await reconciler.sync();
    stored = [current('a', 'new!', { id: 'a-v2', version: 2 })];
    await expect(reconciler.sync()).resolves.toMatchObject({ pinned: 1, unpinned: 2 });
    expect(engine.prewarm.mock.invocationCallOrder[2]).toBeLessThan(engine.unpin.mock.invocationCallOrder[0]);
    expect(engine.unpin.mock.calls).toEqual([
      ['t1', tokensOf('old!')],
      ['t1', tokensOf('bbbb')],
    ]);
  });

  it('never pins past the budget: skips the newest, marks them failed with the reason, and reports them', async () => {
    // 3 + 2 chunks fit the budget of 6; the next 2 do not.
    stored = [current('a', 'a'.repeat(12)), current('b', 'b'.repeat(8)), current('c', 'c'.repeat(8))];
    const report = await reconciler.sync();
    expect(report).toEqual({ pinned: 2, failed: 0, skipped: ['t1/c v1'], unpinned: 0 });
    expect(engine.prewarm).toHaveBeenCalledTimes(2);
    expect(repository.markFailed).toHaveBeenCalledWith('c-v1', expect.stringContaining('PINNED_POOL_FRACTION'));

    // Once room is freed, the retry pins it.
    stored = [stored[0], stored[2]];
    await expect(reconciler.sync()).resolves.toMatchObject({ pinned: 1, unpinned: 1, skipped: [] });
  });

  it('marks a version failed when the engine refuses it, and retries it on the next pass', async () => {
    stored = [current('a', 'aaaa')];
    engine.prewarm.mockRejectedValueOnce(Object.assign(new Error('pool full'), { code: 'ERR_CACHE_FULL' }));
    await expect(reconciler.sync()).resolves.toMatchObject({ pinned: 0, failed: 1 });
    expect(repository.markFailed).toHaveBeenCalledWith('a-v1', 'the engine could not pin it: pool full');
    await expect(reconciler.sync()).resolves.toMatchObject({ pinned: 1, failed: 0 });
  });

  it('a version superseded or deleted while it was being pinned is unpinned by the next pass', async () => {
    stored = [current('a', 'aaaa')];
    repository.markWarm.mockImplementationOnce(async () => {
      stored = [];
      return false;
    });
    await reconciler.sync();
    // The pass that noticed asked for another, which unpins it.
    await reconciler.sync();
    expect(engine.unpin).toHaveBeenCalledWith('t1', tokensOf('aaaa'));
    expect(reconciler.pinnedChunks()).toBe(0);
  });

  it('counts an unpin of a prefix that is not pinned as done, and retries other unpin failures', async () => {
    stored = [current('a', 'aaaa'), current('b', 'bbbb')];
    await reconciler.sync();
    stored = [];
    engine.unpin.mockRejectedValueOnce(notPinned()).mockRejectedValueOnce(new Error('engine busy'));
    await expect(reconciler.sync()).resolves.toMatchObject({ unpinned: 1 });
    expect(reconciler.pinnedChunks()).toBe(1);
    await expect(reconciler.sync()).resolves.toMatchObject({ unpinned: 1 });
    expect(reconciler.pinnedChunks()).toBe(0);
  });

  it('never runs two passes at once; a sync asked during a pass gets a pass that starts after it', async () => {
    stored = [current('a', 'aaaa')];
    let release!: () => void;
    engine.prewarm.mockImplementationOnce(
      (_tenant, tokens) => new Promise((resolve) => (release = () => resolve({ tokens: tokens.length, cachedTokens: 0, residentTokens: 4, chunks: 1, chunkIds: [] }))),
    );
    const first = reconciler.sync();
    await new Promise((r) => setImmediate(r));
    stored = [current('a', 'aaaa'), current('b', 'bbbb')];
    const second = reconciler.sync();
    await new Promise((r) => setImmediate(r));
    expect(engine.prewarm).toHaveBeenCalledTimes(1);
    release();
    await expect(first).resolves.toMatchObject({ pinned: 1 });
    await expect(second).resolves.toMatchObject({ pinned: 1 });
    expect(engine.prewarm.mock.calls.map(([, tokens]) => String.fromCharCode(...tokens))).toEqual(['aaaa', 'bbbb']);
  });
});
