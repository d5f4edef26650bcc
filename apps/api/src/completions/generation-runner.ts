// Runs a prepared generation on the engine for any transport: collects its events into a
// GenerationResult, hands each to the transport's sink (JSON, SSE, WebSocket), stops when the
// sink's signal aborts (which also cancels it in the engine), finishes the choices the engine did
// not finish as cancelled, and instruments it: TTFT and inter-token latency, cache lookup/hit
// tokens per tenant and prompt, a usage row, however it ends.
import { Injectable } from '@nestjs/common';

import { EngineService } from '../engine/engine.service';
import { DrainService } from '../lifecycle/drain.service';
import { ServerDrainingError } from '../lifecycle/server-draining.error';
import { MetricsService } from '../metrics/metrics.service';
import { UsageService } from '../usage/usage.service';
import type { PreparedGeneration } from './completion.service';
import { GenerationResult, type FinishReason, type TokenEvent } from './openai-format';

/** What a transport does with a generation; each call is awaited (backpressure reaches the engine loop). */
export interface GenerationSink {
  /** Aborted when the transport gives up on the generation (client gone, cancel). */
  readonly signal: AbortSignal;
  onToken(event: TokenEvent): Promise<void> | void;
  /** A choice finished: the engine's reason, or 'cancelled' for one it never finished. */
  onFinish(choice: number, reason: FinishReason): Promise<void> | void;
  /** The whole generation, after every choice finished. */
  onDone(result: GenerationResult): Promise<void> | void;
}

@Injectable()
export class GenerationRunner {
  constructor(
    private readonly engine: EngineService,
    private readonly metrics: MetricsService,
    private readonly usage: UsageService,
    // Nest injects the app's one DrainService; callers without Nest (specs) get one that never drains.
    private readonly drain: DrainService = new DrainService(),
  ) {}

  async run(p: PreparedGeneration, sink: GenerationSink): Promise<void> {
    // Also stopped at the drain deadline on shutdown (DrainService): it then ends with that error.
    const bound = this.drain.bindToDeadline(sink.signal);
    try {
      await this.runBound(p, sink, bound.signal);
    } finally {
      bound.release();
    }
  }

  private async runBound(p: PreparedGeneration, sink: GenerationSink, signal: AbortSignal): Promise<void> {
    const result = new GenerationResult(p.n, p.request.promptTokens.length);
    const started = performance.now();
    const lastToken: (number | undefined)[] = new Array(p.n);
    let firstTokenAt: number | undefined;
    try {
      // A client gone during authentication or prompt lookup never reaches the engine.
      const events = signal.aborted ? [] : this.engine.generate(p.tenantId, p.request, signal);
      for await (const event of events) {
        if (event.type === 'token') {
          const now = performance.now();
          if (firstTokenAt === undefined) {
            firstTokenAt = now;
            this.metrics.ttft.observe({ endpoint: p.endpoint }, (now - started) / 1000);
          }
          const previous = lastToken[event.choice];
          if (previous !== undefined) this.metrics.interTokenLatency.observe((now - previous) / 1000);
          lastToken[event.choice] = now;
        }
        result.add(event);
        await (event.type === 'token' ? sink.onToken(event) : sink.onFinish(event.choice, event.finishReason));
        if (signal.aborted) break;
      }
    } finally {
      this.record(p, result, started, firstTokenAt, signal.aborted);
    }
    // Cut at the drain deadline before it finished: the transport ends it with that error (503
    // server_draining, or the stream's last event), not as a normal finish.
    if (signal.reason instanceof ServerDrainingError && result.choices.some((c) => c.finishReason === null || c.finishReason === 'cancelled')) throw signal.reason;
    for (const [choice, c] of result.choices.entries()) {
      if (c.finishReason === null) await sink.onFinish(choice, 'cancelled');
    }
    await sink.onDone(result);
  }

  /** The request's metrics and usage row. */
  private record(p: PreparedGeneration, result: GenerationResult, started: number, firstTokenAt: number | undefined, aborted: boolean): void {
    const usage = result.usage();
    const finishReason = result.choices[0].finishReason ?? (aborted ? 'cancelled' : 'error');
    const record = {
      tenantId: p.tenantId,
      promptId: p.promptId,
      endpoint: p.endpoint,
      promptTokens: usage.prompt_tokens,
      cachedTokens: usage.prompt_tokens_details.cached_tokens,
      completionTokens: usage.completion_tokens,
      finishReason,
    };
    this.metrics.recordFinished(record);
    const now = performance.now();
    this.usage.record({ ...record, promptVersion: p.promptVersion, ttftMs: firstTokenAt === undefined ? -1 : firstTokenAt - started, durationMs: now - started });
  }
}
