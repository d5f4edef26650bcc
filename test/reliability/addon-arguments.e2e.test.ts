// Property-based fuzzing of the addon's argument checks (loadRuntime options, LlmRuntime.submit
// requests, KvCache methods): whatever JavaScript hands it, the process does not crash and every
// refusal is a TypeError, RangeError or Error; sizes are bounded by the checks, not by luck.
import fc from 'fast-check';
import { join } from 'path';

import { ensureDemoModel, loadCheckpoint } from '@chunkserve/engine';
import * as native from '@chunkserve/native';
import type { LlmRuntime } from '@chunkserve/native';

/** Anything a caller might pass: wrong types, NaN, infinities, huge and negative numbers, nested objects. */
const anything = fc.oneof(
  fc.constantFrom(undefined, null, NaN, Infinity, -Infinity, -1, 0, 0.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e300, '', 'x', true, [], {}, [1, 2, 3]),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.double(),
  fc.string({ maxLength: 10 }),
  fc.array(fc.oneof(fc.integer({ min: -5, max: 300_000 }), fc.double(), fc.string({ maxLength: 3 })), { maxLength: 20 }),
  fc.object({ maxDepth: 2, maxKeys: 3 }),
);

/** A TypeError, RangeError or Error (by name: the addon's errors come from another realm than jest's globals). */
const isTypedRefusal = (err: unknown) =>
  Object.prototype.toString.call(err) === '[object Error]' && ['TypeError', 'RangeError', 'Error', 'EngineError'].includes((err as Error).constructor.name);

/** Calls `f`; a throw must be an Error (TypeError / RangeError / Error), nothing else. */
function refusedOrDone(f: () => unknown): unknown {
  try {
    return f();
  } catch (err) {
    expect(isTypedRefusal(err)).toBe(true);
    return undefined;
  }
}

const checkpoint = loadCheckpoint(ensureDemoModel(join(process.env.E2E_DATA_DIR!, 'addon-fuzz')));
const baseOptions = () => ({
  config: { ...checkpoint.config },
  files: [...checkpoint.files],
  tensors: checkpoint.tensors,
  device: 'cpu' as const,
  threads: 1,
  kvCacheBytes: 4 << 20,
  chunkSize: 16,
  maxBatch: 4,
  onEvents: () => undefined,
});

describe('addon argument checks under fuzzing', () => {
  let runtime: LlmRuntime;
  beforeAll(async () => {
    runtime = await native.loadRuntime(baseOptions());
  });
  afterAll(() => runtime?.close());

  it('loadRuntime: a bad option or model config field is refused with an Error, never a crash', async () => {
    let loads = 0;
    const field = fc.constantFrom('kvCacheBytes', 'chunkSize', 'maxBatch', 'prefillChunk', 'threads', 'device', 'kvDtype', 'decodeMethod', 'sharing', 'maxRunningPerNamespace', 'files', 'tensors', 'onEvents');
    const configField = fc.constantFrom(...Object.keys(checkpoint.config));
    await fc.assert(
      fc.asyncProperty(fc.oneof(field.map((f) => ['options', f] as const), configField.map((f) => ['config', f] as const)), anything, async ([where, name], value) => {
        const options: Record<string, unknown> = baseOptions();
        if (where === 'options') options[name] = value;
        else (options.config as Record<string, unknown>)[name] = value;
        try {
          const loaded = await native.loadRuntime(options as never);
          loaded.close();
          loads += 1;
        } catch (err) {
          expect(isTypedRefusal(err)).toBe(true);
        }
      }),
      // Few draws are valid: 80 runs drew none in a fresh-clone CI run on 2026-12-02, so 400
      // (refusals are immediate and the whole test takes about half a second).
      { numRuns: 400 },
    );
    // Some of the values are valid: those load (and close) for real.
    expect(loads).toBeGreaterThan(0);
  });

  it('LlmRuntime.submit, prewarm, unpin, cancel and pause: bad requests are refused at once, never a crash', () => {
    let id = 1;
    const field = fc.constantFrom('namespace', 'promptTokens', 'maxTokens', 'n', 'temperature', 'topP', 'topK', 'seed', 'stopTokenIds', 'repetitionPenalty', 'frequencyPenalty', 'presencePenalty', 'logprobs', 'topLogprobs');
    fc.assert(
      fc.property(fc.array(fc.tuple(field, anything), { maxLength: 3 }), anything, (changes, other) => {
        const request: Record<string, unknown> = { namespace: 'fuzz', promptTokens: [1, 2, 3], maxTokens: 2 };
        for (const [name, value] of changes) request[name] = value;
        const requestId = id++;
        refusedOrDone(() => runtime.submit(requestId, request as never));
        refusedOrDone(() => runtime.cancel(requestId));
        refusedOrDone(() => runtime.prewarm(id++, 'fuzz', other as never));
        refusedOrDone(() => runtime.unpin(id++, other as never, [1, 2]));
        refusedOrDone(() => runtime.pause(other as never, true));
        // Any id, one still in flight included (that crashed the scheduler thread before it was refused).
        refusedOrDone(() => runtime.submit(other as never, { namespace: 'fuzz', promptTokens: [1], maxTokens: 1 }));
        refusedOrDone(() => runtime.submit(requestId, { namespace: 'fuzz', promptTokens: [1], maxTokens: 1 }));
      }),
      { numRuns: 300 },
    );
    // Still working.
    expect(runtime.stats().capacityChunks).toBeGreaterThan(0);
  });

  it('KvCache: a bad configuration or method argument is refused with an Error, never a crash', () => {
    const configField = fc.constantFrom('nLayers', 'nKvHeads', 'headDim', 'chunkSize', 'dtype', 'poolBytes');
    fc.assert(
      fc.property(configField, anything, (name, value) => {
        const config: Record<string, unknown> = { nLayers: 1, nKvHeads: 1, headDim: 64, chunkSize: 4, poolBytes: 1 << 16 };
        config[name] = value;
        const cache = refusedOrDone(() => new native.KvCache(config as never)) as native.KvCache | undefined;
        cache?.dispose();
      }),
      { numRuns: 150 },
    );
    const cache = new native.KvCache({ nLayers: 1, nKvHeads: 1, headDim: 64, chunkSize: 4, poolBytes: 1 << 18 });
    const method = fc.constantFrom('insert', 'lookup', 'canAdmit', 'writeKV', 'markComputed', 'append', 'remove', 'fork', 'pin', 'unpin', 'seqLength', 'seqChunks', 'decodeAttention', 'prefillAttention');
    try {
      fc.assert(
        fc.property(method, fc.array(anything, { maxLength: 5 }), (name, args) => {
          refusedOrDone(() => (cache as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args));
        }),
        { numRuns: 500 },
      );
      expect(() => cache.checkInvariants()).not.toThrow();
    } finally {
      cache.dispose();
    }
  });
});
