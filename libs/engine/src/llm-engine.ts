// LlmEngine: the model runtime as the API sees it. Loads a Hugging Face checkpoint (or the demo
// model), tokenizes and renders chat templates in JS, and streams generations from the native
// scheduler thread.
import * as path from 'path';
import { loadCheckpoint } from './checkpoint/load-checkpoint';
import { DEMO_MODEL_ID, ensureDemoModel } from './demo/demo-model';
import { EventQueue } from './event-queue';
import { StreamDecoder } from './text/stream-decoder';
import { ChatMessage, TextTokenizer } from './text/text-tokenizer';
import type { CacheSnapshot, EngineOptions, EngineStats, GenerateEvent, GenerateRequest, ModelInfo, PrewarmResult } from './types';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = require('@chunkserve/native');

export type BackendInfo = ReturnType<typeof native.backendInfo> & { runtime: string };

interface NativeEvent {
  requestId: number;
  type: 'token' | 'done' | 'prewarmed' | 'error';
  choice: number;
  tokenId: number;
  logprob?: number;
  topLogprobs?: { tokenId: number; logprob: number }[];
  finishReason: 'stop' | 'length' | 'cancelled';
  usage: { promptTokens: number; cachedTokens: number; completionTokens: number };
  timings: { queuedMs: number; ttftMs: number; tokensPerSecond: number };
  tokens: number;
  cachedTokens: number;
  chunks: number;
  chunkIds: number[];
  message: string;
}

interface NativeRuntime {
  submit(id: number, req: object): void;
  prewarm(id: number, ns: string, tokens: number[]): void;
  cancel(id: number, choice?: number): void;
  unpin(ns: string, tokens: number[]): number;
  snapshot(ns?: string): CacheSnapshot;
  stats(): EngineStats;
  info(): { backend: string; threads: number; maxBatch: number; prefillChunk: number; sharing: boolean };
  close(): void;
}

export class LlmEngine {
  private nextId = 1;
  private readonly handlers = new Map<number, (e: NativeEvent) => void>();
  private closed = false;

  private constructor(
    private readonly runtime: NativeRuntime,
    private readonly tokenizer: TextTokenizer,
    readonly model: ModelInfo,
    readonly backend: BackendInfo,
  ) {}

  static async load(opts: EngineOptions): Promise<LlmEngine> {
    const isDemo = !opts.modelPath;
    const dir = opts.modelPath ? path.resolve(opts.modelPath) : ensureDemoModel(opts.dataDir);
    const ckpt = loadCheckpoint(dir);
    const tokenizer = new TextTokenizer(ckpt.tokenizerJson, ckpt.tokenizerConfig, dir, ckpt.eosTokenIds);
    // The native pool reads CHUNKSERVE_THREADS when it is first created.
    if (opts.threads && opts.threads > 0) process.env.CHUNKSERVE_THREADS = String(opts.threads);
    let engine: LlmEngine | null = null;
    const runtime: NativeRuntime = new native.LlmRuntime({
      config: ckpt.config,
      files: ckpt.files,
      tensors: ckpt.tensors,
      device: opts.device,
      kvCacheBytes: opts.kvCacheBytes ?? 256 * 1024 * 1024,
      chunkSize: opts.chunkSize ?? 64,
      kvDtype: opts.kvDtype ?? 'fp32',
      maxBatch: opts.maxBatch ?? 32,
      prefillChunk: opts.prefillChunk ?? 512,
      sharing: opts.sharing ?? true,
      decodeMethod: opts.decodeMethod ?? 'tpp',
      onEvents: (events: NativeEvent[]) => engine?.dispatch(events),
    });
    const info = runtime.info();
    const backend = { ...native.backendInfo(opts.device ?? 'auto'), backend: info.backend, threads: info.threads, runtime: info.backend };
    const model: ModelInfo = {
      id: isDemo ? DEMO_MODEL_ID : path.basename(dir),
      isDemo,
      architecture: ckpt.config.architecture,
      contextLength: ckpt.config.maxPositions,
      vocabSize: ckpt.config.vocab,
      nLayers: ckpt.config.nLayers,
      hiddenSize: ckpt.config.hidden,
    };
    engine = new LlmEngine(runtime, tokenizer, model, backend);
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

  generate(req: GenerateRequest, signal?: AbortSignal): AsyncIterable<GenerateEvent> {
    this.assertOpen();
    const id = this.nextId++;
    const n = req.n ?? 1;
    const stopIds = [...new Set([...(req.stopTokenIds ?? []), ...(req.stopAtEos === false ? [] : this.tokenizer.eosTokenIds)])];
    const decoders = Array.from({ length: n }, () => new StreamDecoder(this.tokenizer, req.stop ?? []));
    const held: GenerateEvent[][] = Array.from({ length: n }, () => []); // token events waiting for their text
    const heldText: string[] = new Array(n).fill(''); // their text so far
    let open = n;
    const onAbort = () => this.runtime.cancel(id);
    const queue = new EventQueue<GenerateEvent>(() => this.runtime.cancel(id));
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
      signal?.removeEventListener('abort', onAbort);
    };
    this.handlers.set(id, (e) => {
      if (e.type === 'error') {
        finish();
        queue.end(new Error(e.message));
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

  prewarm(namespace: string, tokens: number[]): Promise<PrewarmResult> {
    this.assertOpen();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.handlers.set(id, (e) => {
        this.handlers.delete(id);
        if (e.type === 'prewarmed') resolve({ tokens: e.tokens, cachedTokens: e.cachedTokens, chunks: e.chunks, chunkIds: e.chunkIds });
        else reject(new Error(e.type === 'error' ? e.message : `unexpected ${e.type} event for a prewarm`));
      });
      try {
        this.runtime.prewarm(id, namespace, tokens);
      } catch (err) {
        this.handlers.delete(id);
        reject(err);
      }
    });
  }

  unpin(namespace: string, tokens: number[]): void {
    this.assertOpen();
    this.runtime.unpin(namespace, tokens);
  }

  snapshot(namespace?: string): CacheSnapshot {
    this.assertOpen();
    return this.runtime.snapshot(namespace);
  }

  stats(): EngineStats {
    this.assertOpen();
    return this.runtime.stats();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.runtime.close();
    const pending = [...this.handlers.values()];
    this.handlers.clear();
    for (const h of pending) h({ type: 'error', message: 'engine closed' } as NativeEvent);
  }

  private dispatch(events: NativeEvent[]): void {
    for (const e of events) this.handlers.get(e.requestId)?.(e);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('LlmEngine is closed');
  }
}
