import type { Response } from 'express';

import type { GenerationSink } from './generation-runner';
import { ChunkBuilder, type FinishReason, type GenerationResult, type ResponseMeta, type TokenEvent } from './openai-format';
import { SseWriter } from './sse';

/**
 * A streamed response: OpenAI's chunks as server-sent events, the usage chunk when asked for,
 * [DONE]. The status line and headers wait for the engine's first event, so that a request refused
 * before its first token (a full pool, a prompt that can never fit) gets its HTTP error status.
 */
export class SseResponseSink implements GenerationSink {
  private readonly sse: SseWriter;
  private readonly chunks: ChunkBuilder;
  private started = false;

  constructor(
    res: Response,
    meta: ResponseMeta,
    private readonly kind: 'chat' | 'text',
    private readonly n: number,
    private readonly includeUsage: boolean,
  ) {
    this.sse = new SseWriter(res);
    this.chunks = new ChunkBuilder(meta, kind, includeUsage);
  }

  get signal(): AbortSignal {
    return this.sse.signal;
  }

  async onToken(event: TokenEvent): Promise<void> {
    await this.start();
    return this.sse.send(this.chunks.token(event));
  }

  async onFinish(choice: number, reason: FinishReason): Promise<void> {
    await this.start();
    return this.sse.send(this.chunks.finish(choice, reason));
  }

  async onDone(result: GenerationResult): Promise<void> {
    if (this.signal.aborted) return;
    await this.start();
    if (this.includeUsage) await this.sse.send(this.chunks.usage(result.usage()));
    this.sse.end();
  }

  /** Once, at the first event: the headers, and for chat the assistant role of each choice. */
  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.sse.start();
    if (this.kind === 'chat') for (let i = 0; i < this.n; i++) await this.sse.send(this.chunks.role(i));
  }
}
