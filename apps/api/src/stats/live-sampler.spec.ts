import type { EngineStats } from '../engine/engine.types';
import { LiveSampler } from './live-sampler';

const stats = (hitTokens: number, missedTokens: number, generatedTokens: number): EngineStats => ({
  lookups: 0,
  hitTokens,
  missedTokens,
  evictions: 0,
  capacityChunks: 10,
  usedChunks: 6,
  referencedChunks: 1,
  pinnedChunks: 2,
  cachedChunks: 3,
  freeChunks: 4,
  chunkBytes: 1,
  bytesInUse: 1,
  bytesPinned: 2,
  bytesCached: 3,
  bytesFree: 4,
  liveSequences: 1,
  running: 1,
  waiting: 0,
  generatedTokens,
  promptTokens: 0,
  computedPromptTokens: 0,
  preemptions: 0,
  steps: 0,
  requestsFinished: 0,
});

describe('LiveSampler', () => {
  it('turns counter deltas into a hit rate and a token rate', () => {
    const s = new LiveSampler(10);
    const first = s.add(1000, stats(0, 100, 0));
    expect(first.hitRate).toBeNull();
    expect(first.tokensPerSecond).toBe(0);
    const second = s.add(3000, stats(75, 125, 40));
    expect(second.hitRate).toBeCloseTo(75 / 100);
    expect(second.tokensPerSecond).toBeCloseTo(20);
    expect(second.engine.lookupTokens).toBe(200);
    expect(second.engine.bytes).toEqual({ inUse: 1, pinned: 2, cached: 3, free: 4 });
    expect(s.add(4000, stats(75, 125, 40)).hitRate).toBeNull();
  });

  it('keeps only the last samples', () => {
    const s = new LiveSampler(2);
    for (let i = 0; i < 5; i++) s.add(i * 1000, stats(i, i, i));
    expect(s.recent().map((x) => x.at)).toEqual([new Date(3000).toISOString(), new Date(4000).toISOString()]);
  });
});
