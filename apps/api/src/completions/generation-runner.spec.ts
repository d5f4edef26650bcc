import { automock } from '../../test/automock';
import { EngineService } from '../engine/engine.service';
import { DrainService } from '../lifecycle/drain.service';
import type { GenerateEvent } from '../engine/engine.types';
import type { MetricsService } from '../metrics/metrics.service';
import { UsageService } from '../usage/usage.service';
import type { PreparedGeneration } from './completion.service';
import { GenerationRunner, type GenerationSink } from './generation-runner';
import type { GenerationResult } from './openai-format';

const token = (choice: number, text: string): GenerateEvent => ({ type: 'token', choice, tokenId: text.charCodeAt(0), text });
const done = (choice: number, finishReason: 'stop' | 'length' = 'stop'): GenerateEvent => ({
  type: 'done',
  choice,
  finishReason,
  usage: { promptTokens: 7, cachedTokens: 4, completionTokens: 2 },
  timings: { queuedMs: 0, ttftMs: 1, tokensPerSecond: 1 },
});

const prepared = (n = 1): PreparedGeneration => ({
  tenantId: 't1',
  promptId: 'p1',
  promptVersion: 3,
  endpoint: 'chat.completions',
  request: { promptTokens: [1, 2, 3, 4, 5, 6, 7], maxTokens: 8 },
  n,
  meta: { id: 'chatcmpl-1', created: 0, model: 'm' },
});

/** A sink that writes down what it is told; `onToken` may act (abort) on a token. */
class RecordingSink implements GenerationSink {
  readonly calls: unknown[][] = [];
  readonly abort = new AbortController();
  readonly signal = this.abort.signal;
  result?: GenerationResult;

  constructor(private readonly onTokenAction: (text: string) => void = () => undefined) {}

  onToken(event: Extract<GenerateEvent, { type: 'token' }>) {
    this.calls.push(['token', event.choice, event.text]);
    this.onTokenAction(event.text);
  }
  onFinish(choice: number, reason: string) {
    this.calls.push(['finish', choice, reason]);
  }
  onDone(result: GenerationResult) {
    this.calls.push(['done']);
    this.result = result;
  }
}

describe('GenerationRunner', () => {
  const engine = automock(EngineService);
  const usage = automock(UsageService);
  const metrics = { ttft: { observe: jest.fn() }, interTokenLatency: { observe: jest.fn() }, recordFinished: jest.fn() };
  const runner = new GenerationRunner(engine, metrics as unknown as MetricsService, usage);
  let engineFinished = false;

  const engineEmits = (events: GenerateEvent[] | (() => GenerateEvent[])) =>
    // Like the engine, it goes on delivering what it already produced after an abort.
    engine.generate.mockImplementation(async function* () {
      try {
        yield* typeof events === 'function' ? events() : events;
      } finally {
        engineFinished = true;
      }
    });

  beforeEach(() => (engineFinished = false));

  it('hands every event to the sink in order, then the whole result', async () => {
    engineEmits([token(0, 'a'), token(1, 'x'), token(0, 'b'), done(0), done(1, 'length')]);
    const sink = new RecordingSink();
    await runner.run(prepared(2), sink);

    // The engine's signal follows the sink's, and the drain deadline (DrainService).
    expect(engine.generate).toHaveBeenCalledWith('t1', prepared(2).request, expect.any(AbortSignal));
    expect(sink.calls).toEqual([['token', 0, 'a'], ['token', 1, 'x'], ['token', 0, 'b'], ['finish', 0, 'stop'], ['finish', 1, 'length'], ['done']]);
    expect(sink.result?.choices.map((c) => [c.text, c.finishReason])).toEqual([
      ['ab', 'stop'],
      ['x', 'length'],
    ]);
    expect(sink.result?.usage()).toEqual({ prompt_tokens: 7, completion_tokens: 4, total_tokens: 11, prompt_tokens_details: { cached_tokens: 4 } });
  });

  it('records the finished request once: metrics, TTFT per endpoint, inter-token latency, a usage row', async () => {
    engineEmits([token(0, 'a'), token(0, 'b'), done(0)]);
    await runner.run(prepared(), new RecordingSink());

    expect(metrics.ttft.observe).toHaveBeenCalledTimes(1);
    expect(metrics.ttft.observe).toHaveBeenCalledWith({ endpoint: 'chat.completions' }, expect.any(Number));
    expect(metrics.interTokenLatency.observe).toHaveBeenCalledTimes(1);
    const finished = { tenantId: 't1', promptId: 'p1', endpoint: 'chat.completions', promptTokens: 7, cachedTokens: 4, completionTokens: 2, finishReason: 'stop' };
    expect(metrics.recordFinished).toHaveBeenCalledWith(finished);
    expect(usage.record).toHaveBeenCalledWith({ ...finished, promptVersion: 3, ttftMs: expect.any(Number), durationMs: expect.any(Number) });
    expect(usage.record.mock.calls[0][0].ttftMs).toBeGreaterThanOrEqual(0);
  });

  it('stops at once when the sink aborts, finishes the open choices as cancelled and still reports the result', async () => {
    engineEmits([token(0, 'a'), token(1, 'x'), token(0, 'b'), token(1, 'y'), done(0), done(1)]);
    const sink = new RecordingSink((text) => text === 'x' && sink.abort.abort());
    await runner.run(prepared(2), sink);

    expect(sink.calls).toEqual([['token', 0, 'a'], ['token', 1, 'x'], ['finish', 0, 'cancelled'], ['finish', 1, 'cancelled'], ['done']]);
    expect(engineFinished).toBe(true);
    // No usage from the engine: the request's prompt tokens and the tokens received.
    expect(sink.result?.usage()).toMatchObject({ prompt_tokens: 7, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 0 } });
    expect(metrics.recordFinished).toHaveBeenCalledWith(expect.objectContaining({ finishReason: 'cancelled', completionTokens: 2 }));
  });

  it('never starts the engine for a client that left before the generation began', async () => {
    engineEmits([token(0, 'a'), done(0)]);
    const sink = new RecordingSink();
    sink.abort.abort();
    await runner.run(prepared(), sink);
    expect(engine.generate).not.toHaveBeenCalled();
    expect(sink.calls).toEqual([['finish', 0, 'cancelled'], ['done']]);
    expect(metrics.recordFinished).toHaveBeenCalledWith(expect.objectContaining({ finishReason: 'cancelled', completionTokens: 0 }));
  });

  it('lets an engine error through to the transport after recording the request, without onDone', async () => {
    engineEmits(() => {
      throw new Error('engine failed');
    });
    const sink = new RecordingSink();
    await expect(runner.run(prepared(), sink)).rejects.toThrow('engine failed');
    expect(sink.calls).toEqual([]);
    expect(metrics.recordFinished).toHaveBeenCalledWith(expect.objectContaining({ finishReason: 'error' }));
    expect(usage.record).toHaveBeenCalledWith(expect.objectContaining({ finishReason: 'error', ttftMs: -1 }));
  });

  it('ends a generation cut at the drain deadline with server_draining, after recording it, never as a normal finish', async () => {
    const drain = new DrainService();
    const drained = new GenerationRunner(engine, metrics as unknown as MetricsService, usage, drain);
    engine.generate.mockImplementation(async function* () {
      yield token(0, 'a');
      await new Promise((r) => setTimeout(r, 50));
      yield token(0, 'b');
      yield done(0);
    });
    // Admitted before the drain began, so the drain waits for it until its deadline (0 ms here).
    const admission = drain.admit();
    const sink = new RecordingSink((text) => text === 'a' && void drain.drain(0, 1000));
    await expect(drained.run(prepared(), sink)).rejects.toMatchObject({ status: 503, code: 'server_draining' });
    expect(sink.calls).toEqual([['token', 0, 'a'], ['token', 0, 'b']]);
    expect((engine.generate.mock.calls[0][2] as AbortSignal).aborted).toBe(true);
    expect(metrics.recordFinished).toHaveBeenCalledWith(expect.objectContaining({ finishReason: 'cancelled', completionTokens: 2 }));
    admission.end();
  });
});
