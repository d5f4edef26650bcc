/** What the addon was built with and what it runs on. */
export interface BackendInfo {
  /** Backend selected by ENGINE_DEVICE (auto|cpu|cuda). */
  backend: 'cpu' | 'cuda';
  /** SIMD level of the CPU kernels chosen at run time: "avx512", "avx2", or "portable". */
  simd: string;
  /** Whether CUDA sources were compiled into this build. */
  cudaCompiled: boolean;
  /** Name of the GPU when the backend is cuda, else null. */
  gpuName: string | null;
  /** The GPU's memory in total and in use (by every process), bytes; null when the backend is cpu. */
  deviceMemoryBytes: number | null;
  deviceMemoryUsedBytes: number | null;
  /** Number of CUDA devices visible (0 without a driver). */
  cudaDevices: number;
  /** Why CUDA is unavailable, when it is. */
  cudaError: string | null;
  /** The CPU GEMM's tile for larger token counts and how it was chosen: "wide (measured)", "tall (CHUNKSERVE_GEMM_TILES)", ... */
  gemmTiles: string;
  /** Worker threads of the CPU thread pool. */
  threads: number;
}

/** Where the engine computes: ENGINE_DEVICE. */
export type Device = 'auto' | 'cpu' | 'cuda';

/** Reports the backend the device would get (default 'auto'); throws if it asks for cuda where there is none. */
export function backendInfo(device?: Device): BackendInfo;

/** What this machine can do, measured with every thread of the engine's global pool. */
export interface MachineLimits {
  threads: number;
  /** The SIMD level of the kernels: "avx512", "avx2" or "portable". */
  simd: string;
  /** fp32 FMA peak of the GEMM kernels' instruction set, all threads (register-only loop). */
  fmaGflops: number;
  /** Bytes of the buffer the bandwidth probes ran over. */
  bytes: number;
  /** memcpy bandwidth counting read + write, all threads. */
  copyGBps: number;
  copyOneWayGBps: number;
  /** Streaming read bandwidth, all threads. */
  readGBps: number;
}

/**
 * The prefix hash of every chunk of `chunkSize` tokens along `tokens` under the namespace (16 hex
 * digits each; the last one partial when the tokens do not end on a chunk boundary): the hashes
 * these chunks have in snapshots and 'kv' events of a cache with that chunk size.
 */
export function prefixChunkHashes(namespace: string, tokens: Int32Array | number[], chunkSize: number): string[];

/** The FMA peak and memory bandwidth (buffer of `bytes`, default 512 MiB; best of `iterations`, default 3). */
export function machineLimits(bytes?: number, iterations?: number): MachineLimits;

/** Times the linear layers' GEMM (model/gemm.h) on random weights: median of `reps` calls. */
export function gemmBench(spec?: {
  /** T: rows of X (a prefill piece or a decode batch); default 512. */
  tokens?: number;
  /** N: output features (default 2816). */
  rows?: number;
  /** K: input features (default 1024). */
  cols?: number;
  dtype?: 'fp32' | 'fp16' | 'bf16';
  /** 'swiglu': a gate/up pair with the fused epilogue (twice the FLOPs). */
  mode?: 'store' | 'swiglu';
  reps?: number;
}): { seconds: number; gflops: number; weightBytes: number; weightGBps: number; threads: number };

/** Storage dtype of the KV cache (compute is always fp32). */
export type KvDType = 'fp32' | 'fp16' | 'bf16';

export interface KvCacheConfig {
  nLayers?: number; // default 1
  nKvHeads?: number; // default 1
  headDim?: number; // default 128; attention supports 64, 80, 96, 128, 256
  chunkSize?: number; // tokens per chunk, default 64
  dtype?: KvDType; // default 'fp32'
  /** Bytes of the chunk pool (KV_CACHE_BYTES); capacity = floor(poolBytes / chunkBytes). */
  poolBytes: number;
}

export interface InsertResult {
  seq: number;
  /** Leading prompt tokens whose K/V are present already (= sharedTokens + copiedTokens). */
  cachedTokens: number;
  /** Of those, tokens in full chunks shared with other sequences. */
  sharedTokens: number;
  /** Of those, tokens copied from a partially matching chunk into the new tail. */
  copiedTokens: number;
}

export interface CacheChunk {
  id: number;
  parent: number | null;
  namespace: string;
  tokens: number;
  computed: number;
  refCount: number;
  pinCount: number;
  /** Logical clock of the last use (the eviction order). */
  lastUse: number;
  /** Wall clock of the last use, ms since the epoch. */
  lastUseMs: number;
  /** Inserts that reused the chunk (shared, or copied from when partially matching). */
  hits: number;
  /**
   * Its prefix hash (16 hex digits): as in the runtime's 'kv' events once full and computed; for a
   * chunk still filling, the hash of the tokens it holds so far (see prefixChunkHashes); null when empty.
   */
  hash: string | null;
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
  /** Bytes of pinned chunks, of cached (unreferenced, evictable) chunks, and free. */
  bytesPinned: number;
  bytesCached: number;
  bytesFree: number;
  liveSequences: number;
}

export interface CacheSnapshot {
  /** Every used chunk, parents before children. */
  chunks: CacheChunk[];
  counters: CacheCounters;
  version: number;
}

export type DecodeMethod = 'tpp' | 'baseline';

export interface DecodeOptions {
  /** 'tpp' (two-phase partition, default) or 'baseline' (sequence-first, PagedAttention-style). */
  method?: DecodeMethod;
  /** TPP: a chunk goes chunk-first when shared by more than this many batch sequences (default 1). */
  threshold?: number;
  /** Output buffer to reuse, same length as q. */
  out?: Float32Array;
}

export interface DecodeStats {
  /** Times the plan's work lists were rebuilt (only when the tree or the batch changed). */
  rebuilds: number;
  cacheVersion: number;
  /** Chunks computed chunk-first (phase 1): shared by more than `threshold` sequences of the batch. */
  sharedChunks: number;
  /** (shared chunk, sequence) pairs computed chunk-first. */
  partialStates: number;
  /** Partial softmax states phase 1 leaves and phase 2 merges: one per segment and covered sequence. */
  segmentPartials: number;
  /** Phase-1 tasks per KV head: runs of consecutive shared chunks covering the same sequences, split into segments (cpu_segment_policy: about 4 tasks per thread). */
  segments: number;
  ownChunks: number;
  /** K/V bytes one layer of one step reads with these work lists. */
  kvBytesRead: number;
  /** decodeAttention calls with this method's plan, and the wall time of each phase over all of them. */
  calls: number;
  phase1Ns: number;
  phase2Ns: number;
}

/**
 * The prefix-aware chunked KV cache (PAKV) with TPP decode attention. Errors are thrown as Error
 * with `code` 'ERR_CACHE_FULL' (pool full after eviction; the cache is unchanged) or 'ERR_CACHE'
 * (bad sequence id / position); bad argument types throw TypeError / RangeError.
 */
export class KvCache {
  constructor(config: KvCacheConfig);
  /** Inserts a prompt under a namespace; reuses cached chunks and reports the cached prefix (<= maxCached). */
  insert(namespace: string, tokens: Int32Array | number[], maxCached?: number): InsertResult;
  /** Tokens an insert would find cached now (no side effects). */
  lookup(namespace: string, tokens: Int32Array | number[]): number;
  /** Whether the prompt plus extraTokens generated tokens fit now (free + evictable chunks). */
  canAdmit(namespace: string, tokens: Int32Array | number[], extraTokens?: number): boolean;
  /** Writes K and V ([n, nKvHeads, headDim] fp32) of positions pos0 .. pos0+n-1 of one layer. */
  writeKV(seq: number, layer: number, pos0: number, k: Float32Array, v: Float32Array): void;
  /** Declares positions [0, upto) computed (default: the whole sequence), making full chunks shareable. */
  markComputed(seq: number, upto?: number): void;
  /** Appends one token to each sequence (all or nothing). */
  append(seqs: number[], tokens: Int32Array | number[]): void;
  /** Ends a sequence; its chunks stay cached (ref count 0) until evicted. */
  remove(seq: number): void;
  /** A new sequence sharing every full chunk of seq (its tail is copied); returns its id. */
  fork(seq: number): number;
  /** Pins the cached prefix of tokens (never evicted until unpinned); returns tokens covered. */
  pin(namespace: string, tokens: Int32Array | number[]): number;
  unpin(namespace: string, tokens: Int32Array | number[]): number;
  /** Evicts every unreferenced, unpinned chunk; returns how many. */
  evictAll(): number;
  seqLength(seq: number): number;
  seqComputedLength(seq: number): number;
  seqChunks(seq: number): number[];
  liveSequences(): number[];
  availableChunks(): number;
  version(): number;
  snapshot(): CacheSnapshot;
  /** Throws if an internal invariant is violated (for tests). */
  checkInvariants(): void;
  config(): Required<KvCacheConfig> & { chunkBytes: number; capacityChunks: number };
  /** Frees the pool now (instead of at garbage collection); every later call throws. */
  dispose(): void;
  /** Decode attention for one layer: q [seqs.length, nHeads, headDim] -> out, same shape. */
  decodeAttention(seqs: number[], layer: number, q: Float32Array, options?: DecodeOptions): Float32Array;
  decodeStats(method?: DecodeMethod): DecodeStats;
  /** Causal prefill attention of queries at positions pos0.. over the sequence's cache: q [nQ, nHeads, headDim]. */
  prefillAttention(seq: number, layer: number, pos0: number, q: Float32Array, nHeads: number): Float32Array;
  /** float64 reference of decodeAttention. */
  referenceDecode(seqs: number[], layer: number, q: Float32Array): Float64Array;
  /** float64 reference of prefillAttention. */
  referencePrefill(seq: number, layer: number, pos0: number, q: Float32Array, nHeads: number): Float64Array;
}

// ---- the model runtime (native/src/runtime, addon/runtime_binding.cc) -------------------------

/** The decoder's hyper-parameters (libs/engine reads them from config.json). */
export interface ModelConfig {
  architecture: string;
  hidden: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  rmsEps: number;
  ropeTheta: number;
  ropeScaling: null | { type: 'linear' | 'llama3'; factor: number; lowFreqFactor?: number; highFreqFactor?: number; originalMaxPositions?: number };
  tieEmbeddings: boolean;
  qkvBias: boolean;
}

/** Where one tensor lives in the checkpoint files (from its safetensors header). */
export interface TensorLocation {
  /** Index into LoadRuntimeOptions.files. */
  file: number;
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  /** Absolute byte offset of the data in the file. */
  offset: number;
  nbytes: number;
}

export interface LoadRuntimeOptions {
  config: ModelConfig;
  files: string[];
  tensors: Record<string, TensorLocation>;
  /** Default 'auto': CUDA where a GPU is usable, else the CPU; 'cuda' without a usable GPU is refused with the reason. */
  device?: Device;
  /** Worker threads of the backend; default 0 = one per core. */
  threads?: number;
  /** Bytes of the KV chunk pool. Default: 256 MiB on the CPU; on CUDA 90% of the free device memory left after the weights and a 1 GiB activation reserve. */
  kvCacheBytes?: number;
  /** Tokens per chunk (default 64; CUDA: a multiple of 16 in [16, 128]). */
  chunkSize?: number;
  /** KV storage type; CUDA stores fp16 or bf16 (fp32 is stored as bf16 there). */
  kvDtype?: KvDType;
  /** Running sequences at most (default 32). */
  maxBatch?: number;
  /** Prompt tokens computed per scheduler iteration at most (default 512). */
  prefillChunk?: number;
  /** false: a private namespace per sequence and baseline decode (A/B runs). Default true. */
  sharing?: boolean;
  decodeMethod?: DecodeMethod;
  /** Running sequences of one admission lane at most (default 0: no cap). Admission is round robin over lanes. */
  maxRunningPerNamespace?: number;
  /** Emit 'kv' events: chunks that became shareable or were evicted (for prefix-aware routers). Default false. */
  kvEvents?: boolean;
  /** Receives the scheduler's events in batches, on the JS thread. */
  onEvents: (events: RuntimeEvent[]) => void;
}

/** One generation as the runtime takes it (token ids in, token ids out). */
export interface RuntimeRequest {
  /** The cache namespace (the API derives it from the tenant and its cache_salt). */
  namespace: string;
  /**
   * The admission lane whose fair share the request uses (round robin, weight, running cap);
   * default: the namespace. The API passes the tenant's namespace, so cache salts share one lane.
   */
  lane?: string;
  promptTokens: Int32Array | number[];
  maxTokens: number;
  /** Choices, forked from the prompt's sequence (1..16, default 1). */
  n?: number;
  /** 0 = greedy (default 1). */
  temperature?: number;
  topP?: number;
  topK?: number;
  /** Integer in [0, 2^53); choice c samples with seed + c. */
  seed?: number;
  /** A sampled stop token ends its choice ('stop') and is not emitted. */
  stopTokenIds?: number[];
  repetitionPenalty?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  logprobs?: boolean;
  topLogprobs?: number;
}

export type FinishReason = 'stop' | 'length' | 'cancelled';

/** Every event names the request id it answers. */
export type RuntimeEvent =
  | { type: 'token'; requestId: number; choice: number; tokenId: number; logprob?: number; topLogprobs?: { tokenId: number; logprob: number }[] }
  | {
      type: 'done';
      requestId: number;
      choice: number;
      finishReason: FinishReason;
      usage: { promptTokens: number; cachedTokens: number; completionTokens: number };
      timings: { queuedMs: number; ttftMs: number; tokensPerSecond: number };
    }
  | {
      type: 'prewarmed';
      requestId: number;
      /** Tokens pinned, and how many of them were cached before. */
      tokens: number;
      cachedTokens: number;
      /** Tokens its chunks hold, computed, after pre-warming: what a request starting with them finds cached. */
      residentTokens: number;
      chunks: number;
      chunkIds: number[];
    }
  | { type: 'unpinned'; requestId: number; tokens: number }
  | { type: 'snapshot'; requestId: number; snapshot: CacheSnapshot }
  | { type: 'error'; requestId: number; message: string; code: RuntimeErrorCode }
  | { type: 'kv'; requestId: 0; events: CacheChange[] };

/**
 * A change of the shareable chunks (LoadRuntimeOptions.kvEvents), in order: 'stored' when a chunk
 * became full and computed, 'removed' when it was evicted. hash chains the namespace and every
 * token from the root (hash = H(parent's hash or H(namespace), tokens)): equal prefixes of one
 * namespace hash equal on every replica, never across namespaces. Hashes are 16 hex digits.
 */
export type CacheChange =
  | { type: 'stored'; hash: string; parentHash: string | null; namespace: string; tokens: Int32Array }
  | { type: 'removed'; hash: string };

/**
 * Why a request failed: ERR_PROMPT_TOO_LARGE (more than the whole pool; also thrown at once by
 * submit and prewarm), ERR_CACHE_FULL (does not fit the pool now), ERR_NOT_PINNED (unpin of a
 * prefix that is not pinned), ERR_ENGINE (anything else).
 */
export type RuntimeErrorCode = 'ERR_PROMPT_TOO_LARGE' | 'ERR_CACHE_FULL' | 'ERR_NOT_PINNED' | 'ERR_ENGINE';

export interface RuntimeStats extends CacheCounters {
  running: number;
  waiting: number;
  generatedTokens: number;
  promptTokens: number;
  computedPromptTokens: number;
  preemptions: number;
  steps: number;
  requestsFinished: number;
}

export interface RuntimeInfo {
  backend: 'cpu' | 'cuda';
  threads: number;
  /** The GPU the runtime computes on and its memory in total / in use now (bytes); null on the CPU. */
  gpuName: string | null;
  deviceMemoryBytes: number | null;
  deviceMemoryUsedBytes: number | null;
  maxBatch: number;
  prefillChunk: number;
  /** Tokens per KV chunk. */
  chunkSize: number;
  sharing: boolean;
  maxRunningPerNamespace: number;
}

/**
 * The model runtime: a scheduler thread owning the KV cache and the model. Every method only
 * posts to its inbox and returns; answers come as events to LoadRuntimeOptions.onEvents, one
 * ending event per request id: 'done' per choice (submit), 'prewarmed', 'unpinned', 'snapshot',
 * or 'error'. Argument errors throw at once (TypeError / RangeError / Error).
 */
export class LlmRuntime {
  private constructor();
  submit(id: number, request: RuntimeRequest): void;
  /** Computes the tokens' K/V under the namespace without generating, and pins them. */
  prewarm(id: number, namespace: string, tokens: Int32Array | number[]): void;
  /** Undoes one pin of the prefix ('error' when it is not pinned). */
  unpin(id: number, namespace: string, tokens: Int32Array | number[]): void;
  /** The chunk tree (only the namespace's chunks when given; counters stay pool-wide). */
  snapshot(id: number, namespace?: string): void;
  /** Ends the request's choices (all, or one) with finish reason 'cancelled'. */
  cancel(id: number, choice?: number): void;
  /** As published by the scheduler thread after its last iteration. */
  stats(): RuntimeStats;
  info(): RuntimeInfo;
  /** A paused request computes nothing (it keeps its sequences and chunks) until resumed. */
  pause(id: number, paused: boolean): void;
  /** Admission share of a namespace: `weight` requests per round-robin turn (1..1000, default 1). */
  setNamespaceWeight(namespace: string, weight: number): void;
  /** Stops the scheduler thread; later calls throw. */
  close(): void;
}

/** Maps the checkpoint, allocates the KV pool and starts the scheduler off the JS thread. */
export function loadRuntime(options: LoadRuntimeOptions): Promise<LlmRuntime>;

// ---- CUDA backend (native/src/cuda, docs/cuda.md) -------------------------------------------

/** Where the CUDA backend's attention runs: the GPU kernels, or the host emulation of the same device plan. */
export type CudaExecutor = 'cuda' | 'host';

/**
 * The JS KvCache's decode attention through the CUDA backend (same arguments and result as
 * cache.decodeAttention). The cache must store fp16 or bf16; head_dim 64, 80, 96 or 128; chunk size a
 * multiple of 16 up to 128. executor 'cuda' (default) needs a usable GPU; 'host' runs anywhere.
 */
export function cudaDecodeAttention(
  cache: KvCache,
  seqs: number[],
  layer: number,
  q: Float32Array,
  options?: { method?: DecodeMethod; threshold?: number; executor?: CudaExecutor },
): Float32Array;

/** cache.prefillAttention through the CUDA backend (see cudaDecodeAttention). */
export function cudaPrefillAttention(
  cache: KvCache,
  seq: number,
  layer: number,
  pos0: number,
  q: Float32Array,
  nHeads: number,
  options?: { executor?: CudaExecutor },
): Float32Array;

/** Explicit inputs for tppCase: a pool, a prefix tree of chunks (the engine builds its work list), queries. */
export interface TppCaseSpec {
  executor: CudaExecutor;
  op: 'decode' | 'prefill';
  dtype: 'fp16' | 'bf16';
  nLayers?: number;
  nKvHeads: number;
  nHeads: number;
  headDim: number;
  chunkSize: number;
  layer?: number;
  nChunks: number;
  /** [nChunks][nLayers][2][nKvHeads][chunkSize][headDim] fp32 values, stored as dtype. */
  pool: Float32Array;
  /** decode: the batch's chunk paths (root to tail, batch order); they must form a prefix tree. */
  paths?: number[][];
  /** decode: a chunk goes chunk-first when shared by more than this many sequences (default 1). */
  threshold?: number;
  /** decode: per step, lengths (batch order, after the append), q [n, nHeads, headDim], k/v [n, nKvHeads, headDim] to append. */
  steps?: Array<{ seqLen: Int32Array; q: Float32Array; k?: Float32Array; v?: Float32Array }>;
  /** decode: phase-1 blocks that fill the GPU (sets the chunks per segment, cuda_segment_policy). */
  targetBlocks?: number;
  /** prefill: the sequence's chunks, queries at [pos0, pos0 + nQ), optional k/v to store there first. */
  path?: Int32Array;
  pos0?: number;
  nQ?: number;
  q?: Float32Array;
  k?: Float32Array;
  v?: Float32Array;
}

export interface TppCaseResult {
  /** decode: one output per step, [n, nHeads, headDim] in batch order. */
  outs?: Float32Array[];
  /** prefill: [nQ, nHeads, headDim]. */
  out?: Float32Array;
  /** decode: plan uploads over all steps (1 when only lengths changed). */
  planUploads?: number;
  chunkFirstPieces?: number;
  chunksPerPiece?: number;
  partialRows?: number;
  /** The pool afterwards as fp32 values of what the storage holds. */
  storedPool: Float32Array;
}

/** Runs the CUDA backend's device plan on explicit inputs (tests). */
export function tppCase(spec: TppCaseSpec): TppCaseResult;

/** GPU kernel benchmark: TPP over a shared prompt vs the sequence-first baseline over private copies. */
export function cudaKernelBench(spec?: {
  batch?: number;
  shared?: number;
  own?: number;
  nHeads?: number;
  nKvHeads?: number;
  headDim?: number;
  chunkSize?: number;
  dtype?: 'fp16' | 'bf16';
  reps?: number;
  iters?: number;
  baseline?: boolean;
}): {
  gpu: string;
  /** Device-to-device copy, bytes read + written per second, measured in the same run. */
  copyBytesPerS: number;
  tppUs: number;
  tppSpreadUs: number;
  /** tppUs used programmatic dependent launch (compute capability 9.x). */
  pdl: boolean;
  /** TPP with plain serialised launches (equals tppUs when pdl is false). */
  tppSerialUs: number;
  baselineUs: number | null;
  baselineSpreadUs: number | null;
  /** Bytes TPP must move (K/V of the shared prompt once, own tokens, q, out). */
  tppBytes: number;
  baselineBytes: number;
  tppLayers: number;
  baselineLayers: number;
  chunkFirstPieces: number;
  chunksPerPiece: number;
  /** max |tpp - baseline| over the outputs (same data in both pools). */
  maxAbsDiff: number | null;
};
