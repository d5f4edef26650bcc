import type { EngineStatus } from './platform';

/** Engine-wide figures at one moment. */
export interface EngineFigures {
  /** Prompt tokens looked up in the prefix cache since start. */
  lookupTokens: number;
  hitTokens: number;
  missedTokens: number;
  evictions: number;
  generatedTokens: number;
  runningSequences: number;
  waitingSequences: number;
  bytes: { inUse: number; pinned: number; cached: number; free: number };
}

/** GET /admin/stats: platform-wide figures. */
export interface PlatformStats {
  tenants: number;
  apiKeys: number;
  prompts: number;
  pinnedTokens: number;
  requests: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  /** cachedTokens / promptTokens over all recorded requests (0 when none). */
  hitRate: number;
  engine: EngineFigures;
  /** Where the engine computes: backend, GPU name and its memory in use / total. */
  device: EngineStatus;
}

/** One bucket of a time series from the usage history. */
export interface SeriesPoint {
  /** Start of the bucket, ISO 8601. */
  t: string;
  requests: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  hitRate: number;
  /** Completion tokens per second over the bucket. */
  tokensPerSecond: number;
  /** Mean time to first token, ms. */
  ttftMs: number;
  /** Time to first token percentiles over the bucket's requests, ms (null without requests). */
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
  /**
   * Inter-token latency percentiles, ms: per request, (duration - TTFT) / (completion tokens - 1),
   * the mean gap between its tokens; percentiles over the bucket's requests with 2+ tokens.
   */
  itlP50Ms: number | null;
  itlP95Ms: number | null;
  itlP99Ms: number | null;
}

/** Per-prompt figures (GET /admin/stats/prompts, GET /v1/stats/prompts). */
export interface PromptStats {
  promptId: string;
  tenantId: string;
  name: string;
  version: number;
  tokens: number;
  cachedTokens: number;
  chunks: number;
  status: string;
  requests: number;
  promptTokensServed: number;
  cachedTokensServed: number;
  hitRate: number;
  meanTtftMs: number;
}

/** One chunk of the engine's prefix tree. */
export interface CacheTreeChunk {
  id: number;
  parent: number | null;
  /** The tenant whose namespace holds the chunk (null for a namespace the API does not know). */
  tenantId: string | null;
  tokens: number;
  refs: number;
  pinned: boolean;
  lastUse: number;
}

/** GET /admin/stats/tree[?tenant=], GET /v1/stats/tree. */
export interface CacheTree {
  chunks: CacheTreeChunk[];
  chunkSize: number;
}

/** Pushed on the live stats socket every interval. */
export interface LiveStats {
  type: 'stats';
  at: string;
  engine: EngineFigures;
  /** Over the last interval: hit tokens / lookup tokens (null without lookups). */
  hitRate: number | null;
  tokensPerSecond: number;
}
