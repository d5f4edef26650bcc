// The engine's TypeScript API as the API uses it: the types of @chunkserve/engine. Every engine
// call goes through EngineService; this file and engine.service.ts are the seam.
export type {
  CacheChunk,
  CacheCounters,
  CacheSnapshot,
  ChatMessage,
  EngineOptions,
  EngineStats,
  GenerateEvent,
  GenerateRequest,
  ModelInfo,
  PrewarmResult,
} from '@chunkserve/engine';
