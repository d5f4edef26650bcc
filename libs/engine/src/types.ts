// Public types of @chunkserve/engine. The runtime's own shapes (snapshot, stats, finish
// reasons) are the addon's (native/index.d.ts), re-exported, never re-declared.
import type { CacheChange, DecodeMethod, Device, FinishReason, KvDType, RuntimeRequest } from '@chunkserve/native';

import type { ChatMessage } from './text/text-tokenizer';

export type { ChatMessage };

export interface EngineOptions {
  dataDir: string; // demo model generated under <dataDir>/models/demo when modelPath unset
  modelPath?: string; // a Hugging Face model directory
  device?: Device; // default 'auto'
  kvCacheBytes?: number; // chunk pool size (default: 256 MiB on the CPU, 90% of free device memory on CUDA)
  chunkSize?: number; // tokens per chunk (default 64)
  kvDtype?: KvDType;
  maxBatch?: number; // max running sequences (default 32)
  threads?: number; // worker threads of the engine's backend (default: one per core)
  /** Prompt tokens computed per scheduler iteration at most (long prompts go in pieces). */
  prefillChunk?: number;
  /** false: no prefix sharing (private namespace per sequence, baseline decode) for A/B runs. */
  sharing?: boolean;
  /** Decode attention kernel when sharing: 'tpp' (default) or 'baseline'. */
  decodeMethod?: DecodeMethod;
  /** Running sequences of one admission lane (tenant) at most; 0 (default): no cap. Admission is round robin over lanes. */
  maxRunningPerNamespace?: number;
  /** Receives the KV cache's changes (chunks stored / evicted) in order, for prefix-aware routing. */
  onKvEvents?: (changes: CacheChange[]) => void;
}

/** How a generation's stream treats a reader that falls behind (LlmEngine.generate). */
export interface GenerateOptions {
  /** Unread events before its sequences pause in the scheduler (default 512); resumed at half. */
  maxBufferedEvents?: number;
  /** Paused this long (ms), it is cancelled ('cancelled'); 0 (default): never. */
  stallTimeoutMs?: number;
}

/** A generation as the engine takes it: the runtime's request (native/index.d.ts) plus text-level stops. */
export interface GenerateRequest extends Omit<RuntimeRequest, 'promptTokens'> {
  promptTokens: number[];
  /** Stop strings: the text ends before the first one (its tokens are not emitted). */
  stop?: string[];
  /** Default true: also stop at the model's end-of-turn tokens. */
  stopAtEos?: boolean;
}

export type { FinishReason };

export type GenerateEvent =
  | {
      type: 'token';
      choice: number;
      tokenId: number;
      text: string; // the decoded delta
      logprob?: number;
      topLogprobs?: { tokenId: number; token: string; logprob: number }[];
    }
  | {
      type: 'done';
      choice: number;
      finishReason: FinishReason;
      usage: { promptTokens: number; cachedTokens: number; completionTokens: number };
      timings: { queuedMs: number; ttftMs: number; tokensPerSecond: number };
    };

export interface PrewarmResult {
  tokens: number;
  /** Of them, cached before pre-warming. */
  cachedTokens: number;
  /** Tokens its chunks hold, computed, afterwards: what a request starting with them finds cached. */
  residentTokens: number;
  chunks: number;
  chunkIds: number[];
}

// The cache snapshot and the runtime's statistics have one shape everywhere: the addon's.
export type { CacheChange, CacheCounters, CacheSnapshot, CacheChunk, RuntimeStats as EngineStats } from '@chunkserve/native';

export interface ModelInfo {
  id: string;
  isDemo: boolean;
  architecture: string;
  contextLength: number;
  vocabSize: number;
  nLayers: number;
  hiddenSize: number;
}
