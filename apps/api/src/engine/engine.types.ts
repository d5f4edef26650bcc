// The engine's TypeScript API as the API uses it (libs/engine, @chunkserve/engine). Every engine
// call goes through EngineService; these types are the seam.
export interface EngineOptions {
  dataDir: string;
  modelPath?: string;
  device?: 'auto' | 'cpu' | 'cuda';
  kvCacheBytes?: number;
  chunkSize?: number;
  kvDtype?: 'fp32' | 'fp16' | 'bf16';
  maxBatch?: number;
  threads?: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface GenerateRequest {
  namespace: string;
  promptTokens: number[];
  maxTokens: number;
  n?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stop?: string[];
  stopTokenIds?: number[];
  repetitionPenalty?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  logprobs?: boolean;
  topLogprobs?: number;
  /** Default true: also stop at the model's end-of-turn tokens. */
  stopAtEos?: boolean;
}

export type GenerateEvent =
  | {
      type: 'token';
      choice: number;
      tokenId: number;
      text: string;
      logprob?: number;
      topLogprobs?: { tokenId: number; token: string; logprob: number }[];
    }
  | {
      type: 'done';
      choice: number;
      finishReason: 'stop' | 'length' | 'cancelled';
      usage: { promptTokens: number; cachedTokens: number; completionTokens: number };
      timings: { queuedMs: number; ttftMs: number; tokensPerSecond: number };
    };

export interface PrewarmResult {
  tokens: number;
  cachedTokens: number;
  chunks: number;
  chunkIds: number[];
}

export interface CacheCounters {
  lookups: number;
  hitTokens: number;
  missedTokens: number;
  evictions: number;
  capacityChunks: number;
  usedChunks: number;
  referencedChunks: number;
  pinnedChunks: number;
  cachedChunks: number;
  freeChunks: number;
  chunkBytes: number;
  bytesInUse: number;
  bytesPinned: number;
  bytesCached: number;
  bytesFree: number;
  liveSequences: number;
}

export interface SnapshotChunk {
  id: number;
  parent: number | null;
  namespace: string;
  tokens: number;
  computed: number;
  refCount: number;
  pinCount: number;
  lastUse: number;
}

export interface CacheSnapshot {
  version: number;
  counters: CacheCounters;
  /** Parents before children. */
  chunks: SnapshotChunk[];
}

export interface EngineStats extends CacheCounters {
  running: number;
  waiting: number;
  generatedTokens: number;
  promptTokens: number;
  computedPromptTokens: number;
  preemptions: number;
  steps: number;
  requestsFinished: number;
}

export interface ModelInfo {
  id: string;
  isDemo: boolean;
  architecture: string;
  contextLength: number;
  vocabSize: number;
  nLayers: number;
  hiddenSize: number;
}

export interface LlmEngineLike {
  readonly model: ModelInfo;
  readonly backend: { backend: 'cpu' | 'cuda'; simd: string; cudaCompiled: boolean; gpuName: string | null };
  encode(text: string): number[];
  decode(tokens: number[]): string;
  encodeChat(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): number[];
  encodeSystemPrefix(systemContent: string): number[];
  generate(req: GenerateRequest, signal?: AbortSignal): AsyncIterable<GenerateEvent>;
  prewarm(namespace: string, tokens: number[]): Promise<PrewarmResult>;
  unpin(namespace: string, tokens: number[]): void;
  snapshot(namespace?: string): CacheSnapshot;
  stats(): EngineStats;
  close(): Promise<void>;
}
