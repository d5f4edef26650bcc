// Owns the LlmEngine for the API's lifetime: loads it at module init, closes it at shutdown. Every
// engine call of the API goes through here; namespaces are derived here from the tenant id (and a
// request's cache_salt), as cache-namespace.ts defines them.
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EngineStatus } from '@chunkserve/contracts';
import { LlmEngine } from '@chunkserve/engine';

import type { Environment } from '../config/environment';
import { OpenAiError } from '../common/openai-error';
import { KvEventsRelay } from '../kv-events/kv-events.relay';
import { requestNamespace, tenantNamespace } from './cache-namespace';
import { apiErrorOf, isChatTemplateError } from './engine-errors';

import type { CacheSnapshot, ChatMessage, EngineOptions, EngineStats, GenerateEvent, GenerateRequest, ModelInfo, PrewarmResult } from './engine.types';

/** A generation as the API hands it over: the engine's request without namespace and lane, which come from the tenant. */
export type EngineRequest = Omit<GenerateRequest, 'namespace' | 'lane'> & {
  /** The request's cache_salt (validated by requestNamespace): a namespace of its own inside the tenant. */
  cacheSalt?: string;
};

@Injectable()
export class EngineService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EngineService.name);
  private engine?: LlmEngine;
  private promptsWarm = false;

  constructor(private readonly config: ConfigService<Environment, true>, @Optional() private readonly kvEvents?: KvEventsRelay) {}

  async onModuleInit(): Promise<void> {
    const options: EngineOptions = {
      dataDir: this.config.get('DATA_DIR', { infer: true }),
      modelPath: this.config.get('MODEL_PATH', { infer: true }),
      device: this.config.get('ENGINE_DEVICE', { infer: true }) as EngineOptions['device'],
      kvCacheBytes: this.config.get('KV_CACHE_BYTES', { infer: true }),
      chunkSize: this.config.get('CHUNK_SIZE', { infer: true }),
      kvDtype: this.config.get('KV_DTYPE', { infer: true }) as EngineOptions['kvDtype'],
      maxBatch: this.config.get('MAX_BATCH', { infer: true }),
      threads: this.config.get('ENGINE_THREADS', { infer: true }) || undefined,
      maxRunningPerNamespace: this.config.get('MAX_RUNNING_PER_TENANT', { infer: true }),
      onKvEvents: this.kvEvents?.listener,
    };
    const started = Date.now();
    this.engine = await LlmEngine.load(options);
    const { model, backend } = this.engine;
    this.logger.log(
      `engine loaded in ${Date.now() - started} ms: model ${model.id}${model.isDemo ? ' (demo)' : ''}, ${backend.backend}/${backend.simd}`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    await engine?.close();
  }

  /** Loaded, and every active prompt version re-warmed from the database. */
  isReady(): boolean {
    return this.engine !== undefined && this.promptsWarm;
  }

  isLoaded(): boolean {
    return this.engine !== undefined;
  }

  markPromptsWarm(): void {
    this.promptsWarm = true;
  }

  engineStatus(): EngineStatus {
    const { simd, cudaCompiled } = this.loaded().backend;
    const { backend, gpuName, memory } = this.loaded().device();
    return { backend, simd, cudaCompiled, gpuName, deviceMemory: memory };
  }

  get model(): ModelInfo {
    return this.loaded().model;
  }

  get chunkSize(): number {
    return this.config.get('CHUNK_SIZE', { infer: true });
  }

  encode(text: string): number[] {
    return this.loaded().encode(text);
  }

  decode(tokens: number[]): string {
    return this.loaded().decode(tokens);
  }

  /** A chat rendered with the model's template, ending with the assistant's generation prompt. */
  encodeChat(messages: ChatMessage[]): number[] {
    return templated('messages', () => this.loaded().encodeChat(messages, { addGenerationPrompt: true }));
  }

  /** The tokens of a system turn alone: what a registered prompt pins, a prefix of encodeChat. */
  encodeSystemPrefix(content: string): number[] {
    return templated('content', () => this.loaded().encodeSystemPrefix(content));
  }

  /**
   * Pins the tokens in the tenant's namespace (computing what is not cached yet); residentTokens
   * says how many of them its chunks now hold: what a completion starting with them finds cached.
   */
  async prewarm(tenantId: string, tokens: number[]): Promise<PrewarmResult> {
    try {
      return await this.loaded().prewarm(tenantNamespace(tenantId), tokens);
    } catch (err) {
      throw apiErrorOf(err);
    }
  }

  /** Undoes one pin of the prefix; rejects when it is not pinned. */
  async unpin(tenantId: string, tokens: number[]): Promise<void> {
    await this.loaded().unpin(tenantNamespace(tenantId), tokens);
  }

  /**
   * Generation in the tenant's namespace (or its cache_salt's), in the tenant's admission lane; the
   * signal cancels it and frees its sequence. A reader that falls behind pauses it in the scheduler (STREAM_MAX_BUFFERED_EVENTS unread) and is
   * cancelled after STREAM_STALL_TIMEOUT_MS paused. A prompt that can never fit is a 400 before
   * the first event, a full pool a 503.
   */
  async *generate(tenantId: string, request: EngineRequest, signal?: AbortSignal): AsyncIterable<GenerateEvent> {
    const options = {
      maxBufferedEvents: this.config.get('STREAM_MAX_BUFFERED_EVENTS', { infer: true }),
      stallTimeoutMs: this.config.get('STREAM_STALL_TIMEOUT_MS', { infer: true }),
    };
    try {
      const { cacheSalt, ...rest } = request;
      const scoped = { ...rest, namespace: requestNamespace(tenantId, cacheSalt), lane: tenantNamespace(tenantId) };
      yield* this.loaded().generate(scoped, signal, options);
    } catch (err) {
      throw apiErrorOf(err);
    }
  }

  /** The prefix hashes the chunks of `tokens` have in the tenant's namespace (as snapshot chunks' `hash`). */
  prefixChunkHashes(tenantId: string, tokens: number[]): string[] {
    return this.loaded().prefixChunkHashes(tenantNamespace(tenantId), tokens);
  }

  /** The chunk tree, of one tenant's namespace or (tenantId undefined) all of them. */
  snapshot(tenantId?: string): Promise<CacheSnapshot> {
    return this.loaded().snapshot(tenantId === undefined ? undefined : tenantNamespace(tenantId));
  }

  stats(): EngineStats {
    return this.loaded().stats();
  }

  private loaded(): LlmEngine {
    if (!this.engine) throw new Error('engine not loaded');
    return this.engine;
  }
}

/** Runs a chat-template rendering; the template's refusal is the caller's 400 (`param` names the input). */
function templated<T>(param: string, render: () => T): T {
  try {
    return render();
  } catch (err) {
    if (isChatTemplateError(err)) throw OpenAiError.badRequest((err as Error).message, 'invalid_chat_template_input', param);
    throw err;
  }
}
