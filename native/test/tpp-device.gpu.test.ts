// The CUDA backend's TPP attention against a float64 reference, on random prefix trees.
//
// Two executors run the same device plan (native/src/cuda/tpp_device_plan.h):
//  - "host": the host emulation of the kernels' plan and arithmetic. Runs everywhere, so the
//    planning (segments, pieces, partial rows, merges, tail lengths, append slots) is tested on
//    machines without a GPU.
//  - "cuda": the GPU kernels. Skipped, with a message, where no CUDA device is usable;
//    `npm run test:gpu` runs this file on a GPU machine.
import {
  Batch,
  Shape,
  chunkElems,
  randomBatch,
  randomFloats,
  referenceAttention,
  relativeError,
  rng,
  sharedPrefixBatch,
} from './tpp-tree';

const native = require('..');

const info = native.backendInfo('auto');
const hasGpu = info.cudaCompiled && info.cudaDevices > 0;
if (!hasGpu) {
  // eslint-disable-next-line no-console
  console.log(
    `CUDA TPP tests: no usable CUDA device (${info.cudaError ?? 'none found'}); the "cuda" executor cases are skipped, ` +
      'the "host" emulation of the same plan runs. Run `npm run test:gpu` on a GPU machine.',
  );
}

type Dtype = 'fp16' | 'bf16';
// ||out - ref|| / ||ref||: q and P are rounded to the storage type, accumulation is fp32.
const TOL: Record<Dtype, number> = { fp16: 1e-3, bf16: 8e-3 };

interface DecodeCase {
  shape: Shape;
  dtype: Dtype;
  batch: Batch;
  threshold: number;
  targetBlocks?: number;
  layer?: number;
}

function runDecode(executor: string, c: DecodeCase, seed: number, steps = 1) {
  const rand = rng(seed);
  const { shape, batch } = c;
  const layer = c.layer ?? 0;
  const n = batch.paths.length;
  const D = shape.headDim;
  const pool = randomFloats(batch.nChunks * chunkElems(shape), rand);
  const stepSpecs = [];
  for (let s = 0; s < steps; s++) {
    const seqLen = Int32Array.from(batch.lens, (l) => l + (steps > 1 ? s + 1 : 0));
    const step: Record<string, unknown> = { seqLen, q: randomFloats(n * shape.nHeads * D, rand, 2) };
    if (steps > 1) {
      step.k = randomFloats(n * shape.nKvHeads * D, rand);
      step.v = randomFloats(n * shape.nKvHeads * D, rand);
    }
    stepSpecs.push(step);
  }
  const res = native.tppCase({
    executor,
    op: 'decode',
    dtype: c.dtype,
    ...shape,
    layer,
    nChunks: batch.nChunks,
    pool,
    paths: batch.paths,
    threshold: c.threshold,
    steps: stepSpecs,
    targetBlocks: c.targetBlocks,
  });
  return { res, stepSpecs, layer };
}

// Checks every step against the reference; lengths of step s are batch.lens (+ s + 1 with appends).
function checkDecode(executor: string, c: DecodeCase, seed: number, steps = 1) {
  const { res, stepSpecs, layer } = runDecode(executor, c, seed, steps);
  const n = c.batch.paths.length;
  // Positions written by earlier steps are in storedPool (the pool after all steps): the
  // reference for step s sees only positions < its length, so later appends do not leak in.
  res.outs.forEach((out: Float32Array, s: number) => {
    const lens = stepSpecs[s].seqLen as Int32Array;
    const ref = referenceAttention(c.shape, res.storedPool, layer, stepSpecs[s].q as Float32Array, n,
      (b) => c.batch.paths[b], (b) => lens[b]);
    const { rel, finite } = relativeError(out, ref);
    expect(finite).toBe(true);
    expect(rel).toBeLessThan(TOL[c.dtype]);
  });
  return res;
}

const executors = ['host', 'cuda'] as const;

describe.each(executors)('TPP decode on %s', (executor) => {
  const maybe = executor === 'cuda' && !hasGpu ? it.skip : it;

  const shapes: Array<[string, Shape]> = [
    ['MHA d128 c64', { nLayers: 2, nKvHeads: 4, nHeads: 4, headDim: 128, chunkSize: 64 }],
    ['GQA 4:1 d64 c32', { nLayers: 1, nKvHeads: 2, nHeads: 8, headDim: 64, chunkSize: 32 }],
    ['MQA d128 c16', { nLayers: 1, nKvHeads: 1, nHeads: 6, headDim: 128, chunkSize: 16 }],
    ['GQA 2:1 d96 c64', { nLayers: 1, nKvHeads: 2, nHeads: 4, headDim: 96, chunkSize: 64 }],
    ['GQA 3:1 d80 c128', { nLayers: 1, nKvHeads: 1, nHeads: 3, headDim: 80, chunkSize: 128 }],
  ];
  for (const [name, shape] of shapes) {
    for (const dtype of ['fp16', 'bf16'] as Dtype[]) {
      maybe(`random trees, ${name}, ${dtype}, batches 1..40, rows past the batch masked`, () => {
        for (const [i, nSeqs] of [1, 3, 17, 40].entries()) {
          const seed = 1000 + i * 7 + shape.headDim + (dtype === 'bf16' ? 1 : 0);
          const batch = randomBatch(rng(seed), nSeqs, shape.chunkSize, { treeNodes: 6, maxOwnFull: 1, tailMin: 0, tailMax: shape.chunkSize });
          checkDecode(executor, { shape, dtype, batch, threshold: 1, layer: shape.nLayers - 1, targetBlocks: 3 }, seed);
        }
      });
    }
  }

  maybe('a long shared prompt is split into pieces; each sequence merges one partial per piece', () => {
    const shape: Shape = { nLayers: 1, nKvHeads: 2, nHeads: 4, headDim: 64, chunkSize: 32 };
    const batch = sharedPrefixBatch(12, 32, 32 * 16, 40);
    const few = checkDecode(executor, { shape, dtype: 'fp16', batch, threshold: 1, targetBlocks: 8 }, 7);
    // 16 shared chunks x 2 KV heads = 32 one-chunk blocks; 8 targeted -> 4 chunks a piece.
    expect(few.chunksPerPiece).toBe(4);
    expect(few.chunkFirstPieces).toBe(4);
    expect(few.partialRows).toBe(4 * 12);
    const many = checkDecode(executor, { shape, dtype: 'fp16', batch, threshold: 1, targetBlocks: 1000 }, 7);
    expect(many.chunksPerPiece).toBe(1);
    expect(many.chunkFirstPieces).toBe(16);
    // 10 chunks x 2 heads = 20; 6 targeted -> at most 4 a piece -> 3 pieces of 4, 3, 3 chunks.
    const uneven = checkDecode(executor, { shape, dtype: 'bf16', batch: sharedPrefixBatch(12, 32, 32 * 10, 40), threshold: 1, targetBlocks: 6 }, 8);
    expect(uneven.chunksPerPiece).toBe(4);
    expect(uneven.chunkFirstPieces).toBe(3);
    expect(uneven.partialRows).toBe(3 * 12);
  });

  maybe('the baseline (no phase 1) gives the same answer as TPP', () => {
    const shape: Shape = { nLayers: 1, nKvHeads: 2, nHeads: 4, headDim: 128, chunkSize: 64 };
    const batch = randomBatch(rng(3), 20, 64, { treeNodes: 5, maxOwnFull: 2, tailMin: 1, tailMax: 64 });
    const tpp = runDecode(executor, { shape, dtype: 'fp16', batch, threshold: 1 }, 11).res;
    const base = runDecode(executor, { shape, dtype: 'fp16', batch, threshold: 1 << 30 }, 11).res;
    expect(tpp.chunkFirstPieces).toBeGreaterThan(0);
    expect(base.chunkFirstPieces).toBe(0);
    const ref = new Float64Array(base.outs[0]);
    expect(relativeError(tpp.outs[0], ref).rel).toBeLessThan(2e-3);
    checkDecode(executor, { shape, dtype: 'fp16', batch, threshold: 1 << 30 }, 11);
  });

  maybe('decode steps append K/V into the tails and only upload lengths between steps', () => {
    const shape: Shape = { nLayers: 2, nKvHeads: 2, nHeads: 8, headDim: 64, chunkSize: 16 };
    const batch = randomBatch(rng(5), 9, 16, { treeNodes: 4, maxOwnFull: 1, tailMin: 0, tailMax: 13 });
    const res = checkDecode(executor, { shape, dtype: 'bf16', batch, threshold: 1, layer: 1 }, 21, 3);
    expect(res.planUploads).toBe(1);
  });

  maybe('an empty sequence gets zeros, not NaN', () => {
    const shape: Shape = { nLayers: 1, nKvHeads: 1, nHeads: 2, headDim: 64, chunkSize: 16 };
    // Two sequences share chunk 0; the third has only an empty tail (length 0).
    const batch: Batch = { nChunks: 4, paths: [[0, 1], [0, 2], [3]], lens: [21, 25, 0] };
    const res = checkDecode(executor, { shape, dtype: 'fp16', batch, threshold: 1 }, 4);
    const out: Float32Array = res.outs[0];
    for (let i = 2 * 2 * 64; i < 3 * 2 * 64; i++) expect(out[i]).toBe(0);
  });
});

describe.each(executors)('TPP prefill on %s', (executor) => {
  const maybe = executor === 'cuda' && !hasGpu ? it.skip : it;
  const cases: Array<[string, Shape, number, number]> = [
    ['MHA d128 c64, cached prefix of 100', { nLayers: 1, nKvHeads: 2, nHeads: 2, headDim: 128, chunkSize: 64 }, 100, 90],
    ['GQA d64 c16, from 0', { nLayers: 2, nKvHeads: 2, nHeads: 8, headDim: 64, chunkSize: 16 }, 0, 37],
    ['GQA d64 c32, one token', { nLayers: 1, nKvHeads: 1, nHeads: 4, headDim: 64, chunkSize: 32 }, 70, 1],
  ];
  for (const [name, shape, pos0, nQ] of cases) {
    for (const dtype of ['fp16', 'bf16'] as Dtype[]) {
      maybe(`causal over the cached prefix and itself: ${name}, ${dtype}`, () => {
        const rand = rng(pos0 * 31 + nQ + (dtype === 'bf16' ? 1 : 0));
        const nPath = Math.ceil((pos0 + nQ) / shape.chunkSize) + 1;  // one spare chunk past the end
        const nChunks = nPath + 3;
        const path = Array.from({ length: nPath }, (_, k) => (k * 5 + 2) % nChunks);  // scattered chunk ids
        const layer = shape.nLayers - 1;
        const D = shape.headDim;
        const q = randomFloats(nQ * shape.nHeads * D, rand, 2);
        const res = native.tppCase({
          executor, op: 'prefill', dtype, ...shape, layer, nChunks,
          pool: randomFloats(nChunks * chunkElems(shape), rand),
          path: Int32Array.from(path), pos0, nQ, q,
          k: randomFloats(nQ * shape.nKvHeads * D, rand),
          v: randomFloats(nQ * shape.nKvHeads * D, rand),
        });
        const ref = referenceAttention(shape, res.storedPool, layer, q, nQ, () => path, (t) => pos0 + t + 1);
        const { rel, finite } = relativeError(res.out, ref);
        expect(finite).toBe(true);
        expect(rel).toBeLessThan(TOL[dtype]);
      });
    }
  }
});

describe('TPP device plan: bad input is a clear error', () => {
  const shape: Shape = { nLayers: 1, nKvHeads: 2, nHeads: 4, headDim: 64, chunkSize: 16 };
  const batch = randomBatch(rng(9), 5, 16, { treeNodes: 3, maxOwnFull: 1, tailMin: 1, tailMax: 16 });
  const base = () =>
    ({
      executor: 'host', op: 'decode', dtype: 'fp16', ...shape, nChunks: batch.nChunks,
      pool: new Float32Array(batch.nChunks * chunkElems(shape)).fill(0.5),
      paths: batch.paths.map((p) => [...p]), steps: [{ seqLen: Int32Array.from(batch.lens), q: new Float32Array(5 * 4 * 64).fill(0.25) }],
    }) as Record<string, any>;

  it('accepts the unmodified case', () => {
    expect(native.tppCase(base()).outs).toHaveLength(1);
  });
  it('rejects unsupported shapes and dtypes', () => {
    expect(() => native.tppCase({ ...base(), dtype: 'fp32' })).toThrow(/dtype must be "fp16" or "bf16"/);
    expect(() => native.tppCase({ ...base(), headDim: 256 })).toThrow(/head_dim must be 64, 80, 96 or 128/);
    expect(() => native.tppCase({ ...base(), chunkSize: 24 })).toThrow(/chunk_size must be a multiple of 16/);
    expect(() => native.tppCase({ ...base(), nHeads: 3 })).toThrow(/must be a positive multiple of n_kv_heads/);
    expect(() => native.tppCase({ ...base(), executor: 'tpu' })).toThrow(/executor must be/);
  });
  it('rejects stale lengths and paths that are not a prefix tree', () => {
    const stale = base();
    stale.steps[0].seqLen = Int32Array.from(stale.steps[0].seqLen, (l: number) => l + 64);
    expect(() => native.tppCase(stale)).toThrow(/beyond its chunks \(work list is stale/);
    const notTree = base();
    notTree.paths = [[0, 1, 2], [5, 1, 3], [4], [6], [7]];
    expect(() => native.tppCase(notTree)).toThrow(/sits under two different prefixes/);
    const count = base();
    count.steps[0].seqLen = new Int32Array(4);
    expect(() => native.tppCase(count)).toThrow(/seqLen must have one entry per sequence/);
    const outside = base();
    outside.nChunks = 1;
    outside.pool = new Float32Array(chunkElems(shape));
    expect(() => native.tppCase(outside)).toThrow(/chunk id outside the pool/);
  });
  it('rejects wrong array sizes and a prefill past the path', () => {
    const q = base();
    q.steps[0].q = new Float32Array(3);
    expect(() => native.tppCase(q)).toThrow(/q must hold 1280 values/);
    expect(() =>
      native.tppCase({
        executor: 'host', op: 'prefill', dtype: 'bf16', ...shape, nChunks: 2,
        pool: new Float32Array(2 * chunkElems(shape)), path: Int32Array.from([0, 1]), pos0: 20, nQ: 20,
        q: new Float32Array(20 * 4 * 64),
      }),
    ).toThrow(/exceed the sequence's 2 chunks/);
  });
  it('reports that the cuda executor needs a GPU where there is none', () => {
    if (hasGpu) return;
    expect(() => native.tppCase({ ...base(), executor: 'cuda' })).toThrow(/CUDA|cuda|device/);
  });
});
