// LlmEngine: the model runtime as the API sees it. Loads a Hugging Face checkpoint (or the demo
// model) into the addon's LlmRuntime (off the event loop), tokenizes and renders chat templates
// in JS, and turns the runtime's events into generation streams and promises.
import * as path from 'path';

import { backendInfo, loadRuntime, prefixChunkHashes, type BackendInfo as NativeBackendInfo, type LlmRuntime, type RuntimeEvent } from '@chunkserve/native';

import { loadCheckpoint } from './checkpoint/load-checkpoint';
import { DEMO_MODEL_ID, ensureDemoModel } from './demo/demo-model';
import { EngineError } from './engine-error';
import { EventQueue } from './event-queue';
import { StreamDecoder } from './text/stream-decoder';
import { ChatMessage, TextTokenizer } from './text/text-tokenizer';
import type { CacheChange, CacheSnapshot, EngineOptions, EngineStats, GenerateEvent, GenerateOptions, GenerateRequest, ModelInfo, PrewarmResult } from './types';

/** Unread events per generation before its sequences pause (GenerateOptions.maxBufferedEvents). */
export const DEFAULT_MAX_BUFFERED_EVENTS = 512;

export type BackendInfo = NativeBackendInfo & { runtime: string };

/** Where the runtime computes, and the GPU's memory in total and in use now (every process's). */
export interface DeviceStatus {
  backend: 'cpu' | 'cuda';
  gpuName: string | null;
  memory: { totalBytes: number; usedBytes: number } | null;
}

type Handler = (e: RuntimeEvent) => void;

export class LlmEngine {
  private nextId = 1;
  private readonly handlers = new Map<number, Handler>();
  private closed = false;

  private constructor(
    private readonly runtime: LlmRuntime,
    private readonly tokenizer: TextTokenizer,
    readonly model: ModelInfo,
    readonly backend: BackendInfo,
    private readonly onKvEvents?: (changes: CacheChange[]) => void,
  ) {}

  static async load(opts: EngineOptions): Promise<LlmEngine> {
    const isDemo = !opts.modelPath;
    const dir = opts.modelPath ? path.resolve(opts.modelPath) : ensureDemoModel(opts.dataDir);
    const ckpt = loadCheckpoint(dir);
    const tokenizer = new TextTokenizer(ckpt.tokenizerJson, ckpt.tokenizerConfig, dir, ckpt.eosTokenIds);
    const device = opts.device ?? 'auto';
    let engine: LlmEngine | null = null;
    const runtime = await loadRuntime({
      config: ckpt.config,
      files: ckpt.files,
      tensors: ckpt.tensors,
      device,
      threads: opts.threads ?? 0,
      kvCacheBytes: opts.kvCacheBytes, // undefined: the backend's default (CPU 256 MiB, CUDA most of the free memory)
      chunkSize: opts.chunkSize ?? 64,
      kvDtype: opts.kvDtype ?? 'fp32',
      maxBatch: opts.maxBatch ?? 32,
      prefillChunk: opts.prefillChunk ?? 512,
      sharing: opts.sharing ?? true,
      decodeMethod: opts.decodeMethod ?? 'tpp',
      maxRunningPerNamespace: opts.maxRunningPerNamespace ?? 0,
      kvEvents: opts.onKvEvents !== undefined,
      onEvents: (events) => engine?.dispatch(events),
    });
    const info = runtime.info();
    const backend = { ...backendInfo(device), backend: info.backend, threads: info.threads, runtime: info.backend };
    const model: ModelInfo = {
      id: isDemo ? DEMO_MODEL_ID : path.basename(dir),
      isDemo,
      architecture: ckpt.config.architecture,
      contextLength: ckpt.config.maxPositions,
      vocabSize: ckpt.config.vocab,
      nLayers: ckpt.config.nLayers,
      hiddenSize: ckpt.config.hidden,
    };
    engine = new LlmEngine(runtime, tokenizer, model, backend, opts.onKvEvents);
    return engine;
  }

  /** Token ids that end a turn (eos), stopped at unless a request sets stopAtEos: false. */
  get eosTokenIds(): number[] {
    return this.tokenizer.eosTokenIds;
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  decode(tokens: number[]): string {
    return this.tokenizer.decode(tokens);
  }

  encodeChat(messages: ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): number[] {
    return this.tokenizer.encodeChat(messages, opts.addGenerationPrompt ?? true);
  }

  encodeSystemPrefix(systemContent: string): number[] {
    return this.tokenizer.encodeSystemPrefix(systemContent);
  }

  /**
   * Streams a generation. Throws at once (an Error with `code`) for bad parameters and for a
   * prompt the whole KV pool could never hold (ERR_PROMPT_TOO_LARGE); later failures end the
   * stream with an EngineError. Aborting the signal, or breaking out of the loop, cancels it and
   * frees its sequences. A reader that falls behind pauses its sequences in the scheduler (more
   * than maxBufferedEvents unread) and, paused longer than stallTimeoutMs, is cancelled.
   */
  generate(req: GenerateRequest, signal?: AbortSignal, options: GenerateOptions = {}): AsyncIterable<GenerateEvent> {
    this.assertOpen();
    const id = this.nextId++;
    const n = req.n ?? 1;
    const stopIds = [...new Set([...(req.stopTokenIds ?? []), ...(req.stopAtEos === false ? [] : this.tokenizer.eosTokenIds)])];
    const decoders = Array.from({ length: n }, () => new StreamDecoder(this.tokenizer, req.stop ?? []));
    const held: GenerateEvent[][] = Array.from({ length: n }, () => []); // token events waiting for their text
    const heldText: string[] = new Array(n).fill(''); // their text so far
    let open = n;
    const onAbort = () => this.runtime.cancel(id);
    let stall: NodeJS.Timeout | undefined;
    const stallMs = options.stallTimeoutMs ?? 0;
    const queue = new EventQueue<GenerateEvent>(() => this.runtime.cancel(id), {
      highWater: options.maxBufferedEvents ?? DEFAULT_MAX_BUFFERED_EVENTS,
      onPause: () => {
        this.runtime.pause(id, true);
        if (stallMs > 0) stall = setTimeout(() => this.runtime.cancel(id), stallMs);
      },
      onResume: () => {
        clearTimeout(stall);
        this.runtime.pause(id, false);
      },
    });
    // Emits the held token events of a choice, their text on the last one.
    const release = (choice: number) => {
      const evs = held[choice];
      if (evs.length === 0) return;
      const last = evs[evs.length - 1];
      if (last.type === 'token') last.text = heldText[choice];
      for (const ev of evs) queue.push(ev);
      held[choice] = [];
      heldText[choice] = '';
    };
    const finish = () => {
      this.handlers.delete(id);
      clearTimeout(stall);
      signal?.removeEventListener('abort', onAbort);
    };
    this.handlers.set(id, (e) => {
      if (e.type === 'error') {
        finish();
        queue.end(new EngineError(e.message, e.code));
        return;
      }
      if (e.type === 'token') {
        const d = decoders[e.choice];
        if (d.stopped) return; // tokens already in flight after a stop string
        const ev: GenerateEvent = { type: 'token', choice: e.choice, tokenId: e.tokenId, text: '' };
        if (e.logprob !== undefined) ev.logprob = e.logprob;
        if (e.topLogprobs) ev.topLogprobs = e.topLogprobs.map((t) => ({ tokenId: t.tokenId, token: this.tokenizer.tokenString(t.tokenId), logprob: t.logprob }));
        held[e.choice].push(ev);
        heldText[e.choice] += d.push(e.tokenId);
        if (d.stopped) this.runtime.cancel(id, e.choice);
        if (d.holding && !d.stopped) return;
        release(e.choice);
        return;
      }
      if (e.type === 'done') {
        const d = decoders[e.choice];
        heldText[e.choice] += d.flush();
        release(e.choice);
        queue.push({
          type: 'done',
          choice: e.choice,
          finishReason: d.stopped ? 'stop' : e.finishReason,
          usage: e.usage,
          timings: e.timings,
        });
        if (--open === 0) {
          finish();
          queue.end();
        }
      }
    });
    if (signal) {
      if (signal.aborted) queueMicrotask(onAbort);
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    try {
      this.runtime.submit(id, {
        namespace: req.namespace,
        lane: req.lane,
        promptTokens: req.promptTokens,
        maxTokens: req.maxTokens,
        n,
        temperature: req.temperature ?? 1,
        topP: req.topP,
        topK: req.topK,
        seed: req.seed ?? Math.floor(Math.random() * 2 ** 32),
        stopTokenIds: stopIds,
        repetitionPenalty: req.repetitionPenalty,
        frequencyPenalty: req.frequencyPenalty,
        presencePenalty: req.presencePenalty,
        logprobs: req.logprobs ?? false,
        topLogprobs: req.topLogprobs ?? 0,
      });
    } catch (err) {
      finish();
      throw err;
    }
    return queue;
  }

  /** Computes the tokens' K/V in the namespace (what is not cached yet) and pins them. */
  prewarm(namespace: string, tokens: number[]): Promise<PrewarmResult> {
    return this.call(
      (id) => this.runtime.prewarm(id, namespace, tokens),
      (e) => (e.type === 'prewarmed' ? { tokens: e.tokens, cachedTokens: e.cachedTokens, residentTokens: e.residentTokens, chunks: e.chunks, chunkIds: e.chunkIds } : undefined),
    );
  }

  /** Undoes one pin of the prefix; resolves with the tokens it covered, rejects when it is not pinned. */
  unpin(namespace: string, tokens: number[]): Promise<number> {
    return this.call(
      (id) => this.runtime.unpin(id, namespace, tokens),
      (e) => (e.type === 'unpinned' ? e.tokens : undefined),
    );
  }

  /** The chunk tree, of one namespace or (undefined) all of them, taken between scheduler steps. */
  snapshot(namespace?: string): Promise<CacheSnapshot> {
    return this.call(
      (id) => this.runtime.snapshot(id, namespace),
      (e) => (e.type === 'snapshot' ? e.snapshot : undefined),
    );
  }

  /**
   * The prefix hashes the chunks of `tokens` have (or would have) in this engine's cache under the
   * namespace: the `hash` of snapshot chunks and of 'kv' events (the last one partial).
   */
  prefixChunkHashes(namespace: string, tokens: number[] | Int32Array): string[] {
    return prefixChunkHashes(namespace, tokens, this.runtime.info().chunkSize);
  }

  /** A namespace's admission share: `weight` requests per round-robin turn (default 1). */
  setNamespaceWeight(namespace: string, weight: number): void {
    this.assertOpen();
    this.runtime.setNamespaceWeight(namespace, weight);
  }

  /** The device the runtime computes on, with its memory read now (null on the CPU). */
  device(): DeviceStatus {
    this.assertOpen();
    const info = this.runtime.info();
    const memory = info.deviceMemoryBytes === null ? null : { totalBytes: info.deviceMemoryBytes, usedBytes: info.deviceMemoryUsedBytes ?? 0 };
    return { backend: info.backend, gpuName: info.gpuName, memory };
  }

  /** As the scheduler published after its last step (never waits for it). */
  stats(): EngineStats {
    this.assertOpen();
    return this.runtime.stats();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.runtime.close();
    const pending = [...this.handlers.entries()];
    this.handlers.clear();
    for (const [requestId, h] of pending) h({ type: 'error', requestId, message: 'engine closed', code: 'ERR_ENGINE' });
  }

  /** Posts a request that one event answers; `settle` maps that event to the result. */
  private call<T>(post: (id: number) => void, settle: (e: RuntimeEvent) => T | undefined): Promise<T> {
    this.assertOpen();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.handlers.set(id, (e) => {
        this.handlers.delete(id);
        const result = settle(e);
        if (result !== undefined) resolve(result);
        else reject(e.type === 'error' ? new EngineError(e.message, e.code) : new EngineError(`unexpected ${e.type} event`, 'ERR_ENGINE'));
      });
      try {
        post(id);
      } catch (err) {
        this.handlers.delete(id);
        reject(err);
      }
    });
  }

  private dispatch(events: RuntimeEvent[]): void {
    for (const e of events) {
      if (e.type === 'kv') this.onKvEvents?.(e.events);
      else this.handlers.get(e.requestId)?.(e);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineError('LlmEngine is closed', 'ERR_CLOSED');
  }
}
