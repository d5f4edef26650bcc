// Samples the engine's counters at an interval and turns consecutive samples into rates. Pure.
import type { EngineFigures, LiveStats } from '@chunkserve/contracts';

import type { EngineStats } from '../engine/engine.types';

export function engineFigures(s: EngineStats): EngineFigures {
  return {
    lookupTokens: s.hitTokens + s.missedTokens,
    hitTokens: s.hitTokens,
    missedTokens: s.missedTokens,
    evictions: s.evictions,
    generatedTokens: s.generatedTokens,
    runningSequences: s.running,
    waitingSequences: s.waiting,
    bytes: { inUse: s.bytesInUse, pinned: s.bytesPinned, cached: s.bytesCached, free: s.bytesFree },
  };
}

/** Keeps the last `capacity` samples. */
export class LiveSampler {
  private readonly samples: LiveStats[] = [];
  private previous?: { at: number; figures: EngineFigures };

  constructor(private readonly capacity: number) {}

  add(at: number, stats: EngineStats): LiveStats {
    const figures = engineFigures(stats);
    const prev = this.previous;
    const seconds = prev ? (at - prev.at) / 1000 : 0;
    const lookups = prev ? figures.lookupTokens - prev.figures.lookupTokens : 0;
    const hits = prev ? figures.hitTokens - prev.figures.hitTokens : 0;
    const generated = prev ? figures.generatedTokens - prev.figures.generatedTokens : 0;
    const sample: LiveStats = {
      type: 'stats',
      at: new Date(at).toISOString(),
      engine: figures,
      hitRate: lookups > 0 ? hits / lookups : null,
      tokensPerSecond: seconds > 0 ? generated / seconds : 0,
    };
    this.previous = { at, figures };
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.shift();
    return sample;
  }

  recent(): LiveStats[] {
    return [...this.samples];
  }
}
