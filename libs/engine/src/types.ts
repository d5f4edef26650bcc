// Public types of @chunkserve/engine.
import type { CacheCounters } from '@chunkserve/native';

import type { ChatMessage } from './text/text-tokenizer';

export type { ChatMessage };

export interface EngineOptions {
  dataDir: string; // demo model generated under <dataDir>/models/demo when modelPath unset
  modelPath?: string; // a Hugging Face model directory
  device?: 'auto' | 'cpu' | 'cuda';
  kvCacheBytes?: number; // chunk pool size (default 256 MiB)
  chunkSize?: number; // tokens per chunk (default 64)
  kvDtype?: 'fp32' | 'fp16' | 'bf16';
  maxBatch?: number; // max running sequences (default 32)
  threads?: number; // worker threads of the native pool (applies before the pool's first use)
  /** Prompt tokens computed per scheduler iteration at most (long prompts go in pieces). */
  prefillChunk?: number;
  /** false: no prefix sharing (private namespace per sequence, baseline decode) for A/B runs. */
  sharing?: boolean;
  /** Decode attention kernel when sharing: 'tpp' (default) or 'baseline'. */
  decodeMethod?: 'tpp' | 'baseline';
}

export interface GenerateRequest {
  namespace: string; // the tenant's cache namespace (the API derives it from auth)
  promptTokens: number[];
  maxTokens: number;
  n?: number; // choices, via fork (default 1)
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

export type FinishReason = 'stop' | 'length' | 'cancelled';

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
  cachedTokens: number;
  chunks: number;
  chunkIds: number[];
}

// The cache snapshot has one shape everywhere: the addon's.
export type { CacheCounters, CacheSnapshot, ChunkSnapshot as CacheChunk } from '@chunkserve/native';

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
