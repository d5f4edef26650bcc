// Limits and fairness of the runtime: a reader that falls behind pauses its sequences (bounded
// memory) or is cancelled after a stall; prompts the pool can never hold are refused at once;
// errors carry codes; one namespace's burst does not hold back another's request.
import { loadRuntime } from '@chunkserve/native';

import { loadCheckpoint } from '../src/checkpoint/load-checkpoint';
import { engineErrorCode } from '../src/engine-error';
import { LlmEngine } from '../src/llm-engine';
import { collect, makeTinyModel, someTokens, tmpDir } from './helpers';

const model = makeTinyModel({ seed: 33 });
let engine: LlmEngine;

beforeAll(async () => {
  // 16-token chunks; 48 chunks in the pool; at most 4 sequences run, 2 of one namespace.
  const probe = await LlmEngine.load({ dataDir: tmpDir('data'), modelPath: model.dir, chunkSize: 16, kvCacheBytes: 1 << 20 });
  const chunkBytes = probe.stats().chunkBytes;
  await probe.close();
  engine = await LlmEngine.load({
    dataDir: tmpDir('data'),
    modelPath: model.dir,
    chunkSize: 16,
    kvCacheBytes: chunkBytes * 48,
    maxBatch: 4,
    maxRunningPerNamespace: 2,
  });
});
afterAll(() => engine.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runtime limits', () => {
  it('a reader that reads nothing pauses its generation after maxBufferedEvents; reading resumes it', async () => {
    const stream = engine.generate(
      { namespace: 'bp', promptTokens: someTokens(20, 1), maxTokens: 120, stopAtEos: false, temperature: 0 },
      undefined,
      { maxBufferedEvents: 8 },
    );
    await sleep(400); // unread: the engine must stop after about 8 tokens (a step or two more in flight)
    const generatedWhilePaused = engine.stats().generatedTokens;
    await sleep(200);
    expect(engine.stats().generatedTokens).toBe(generatedWhilePaused);
    expect(engine.stats().running).toBe(1); // paused, its sequence kept
    const got = await collect(stream);
    expect(got.tokens[0]).toHaveLength(120);
    expect(got.done[0].finishReason).toBe('length');
  });

  it('a paused reader is cancelled after stallTimeoutMs', async () => {
    const stream = engine.generate(
      { namespace: 'stall', promptTokens: someTokens(20, 2), maxTokens: 500, stopAtEos: false },
      undefined,
      { maxBufferedEvents: 4, stallTimeoutMs: 100 },
    );
    await sleep(600);
    const got = await collect(stream);
    expect(got.done[0].finishReason).toBe('cancelled');
    expect(got.tokens[0].length).toBeLessThan(500);
    expect(engine.stats().running).toBe(0);
  });

  it('a prompt the whole pool could never hold is refused at once with ERR_PROMPT_TOO_LARGE', () => {
    let caught: unknown;
    try {
      engine.generate({ namespace: 'big', promptTokens: someTokens(900, 3), maxTokens: 1 }); // 57 chunks
    } catch (err) {
      caught = err;
    }
    expect(engineErrorCode(caught)).toBe('ERR_PROMPT_TOO_LARGE');
  });

  it('unpinning a prefix that is not pinned rejects with ERR_NOT_PINNED', async () => {
    const err = await engine.unpin('nobody', someTokens(20, 4)).catch((e: unknown) => e);
    expect(engineErrorCode(err)).toBe('ERR_NOT_PINNED');
  });

  it("one namespace's burst does not hold back another namespace's request", async () => {
    // Counted in completions, not wall-clock time, so a busy machine cannot flip the outcome.
    const finished: string[] = [];
    const burst = Array.from({ length: 12 }, (_, i) =>
      collect(engine.generate({ namespace: 'busy', promptTokens: someTokens(20, 100 + i), maxTokens: 40, stopAtEos: false })).then((r) => {
        finished.push('busy');
        return r;
      }),
    );
    const small = await collect(engine.generate({ namespace: 'quiet', promptTokens: someTokens(20, 7), maxTokens: 1 }));
    const busyBeforeSmall = finished.length;
    const done = await Promise.all(burst);
    expect(small.done[0].finishReason).toBe('length');
    expect(done.every((d) => d.done[0].finishReason === 'length')).toBe(true);
    // FIFO admission would serve 'quiet' after all 12 of 'busy' were admitted (at least 10 of them
    // done); fair admission runs it beside the first two.
    expect(busyBeforeSmall).toBeLessThanOrEqual(2);
  });

  it('requests of one lane in many namespaces (cache salts) share that lane\'s turn and running cap', async () => {
    const finished: string[] = [];
    const burst = Array.from({ length: 12 }, (_, i) =>
      collect(
        engine.generate({ namespace: `busy:salt:${i}`, lane: 'busy', promptTokens: someTokens(20, 200 + i), maxTokens: 40, stopAtEos: false }),
      ).then((r) => {
        finished.push('busy');
        return r;
      }),
    );
    const small = await collect(engine.generate({ namespace: 'quiet', promptTokens: someTokens(20, 8), maxTokens: 1 }));
    const busyBeforeSmall = finished.length;
    await Promise.all(burst);
    expect(small.done[0].finishReason).toBe('length');
    // Were each salt a lane of its own, 'quiet' would queue behind twelve turns (at least eight of
    // the burst done first); as one lane with a cap of 2, it runs beside the first two.
    expect(busyBeforeSmall).toBeLessThanOrEqual(2);
  });

  it('the addon refuses a request id that is still in flight (the scheduler keys requests by id)', async () => {
    const ckpt = loadCheckpoint(model.dir);
    const runtime = await loadRuntime({ config: ckpt.config, files: ckpt.files, tensors: ckpt.tensors, chunkSize: 16, kvCacheBytes: 1 << 20, onEvents: () => {} });
    try {
      const request = { namespace: 'dup', promptTokens: someTokens(20, 9), maxTokens: 50 };
      runtime.submit(7, request);
      expect(() => runtime.submit(7, request)).toThrow(/request id 7 is already in flight/);
      expect(() => runtime.prewarm(7, 'dup', someTokens(20, 9))).toThrow(/already in flight/);
    } finally {
      runtime.close();
    }
  });
});
