// The engine's KvCache (prefix tree, work lists, DecodePlan) with the CUDA backend's attention:
// cudaDecodeAttention / cudaPrefillAttention against the cache's float64 references, on random
// sharing structures, decode steps with appends, removals and forks, and prefill over a cached
// prefix. Executor "host" runs the same device plan through the host emulation (everywhere);
// executor "cuda" runs the GPU kernels and is skipped, with a message, where no CUDA device is
// usable (`npm run test:gpu` on a GPU machine).
import { rng, randomFloats, relativeError } from './tpp-tree';

const native = require('..');

const info = native.backendInfo('auto');
const hasGpu = info.cudaCompiled && info.cudaDevices > 0;
if (!hasGpu) {
  // eslint-disable-next-line no-console
  console.log(`CUDA attention tests skipped: no usable CUDA device (${info.cudaError ?? 'none found'}).`);
}

type Dtype = 'fp16' | 'bf16';
const TOL: Record<Dtype, number> = { fp16: 1e-3, bf16: 8e-3 };

interface Cfg {
  nLayers: number;
  nKvHeads: number;
  headDim: number;
  chunkSize: number;
  dtype: Dtype;
  poolBytes: number;
}

// Inserts prompts, writes random K/V for every uncached position of every layer, marks computed.
function fill(cache: any, cfg: Cfg, prompts: number[][], rand: () => number, ns = 'tenant'): number[] {
  const row = cfg.nKvHeads * cfg.headDim;
  return prompts.map((p) => {
    const r = cache.insert(ns, p);
    const n = p.length - r.cachedTokens;
    for (let layer = 0; layer < cfg.nLayers; layer++) {
      if (n > 0) cache.writeKV(r.seq, layer, r.cachedTokens, randomFloats(n * row, rand), randomFloats(n * row, rand));
    }
    cache.markComputed(r.seq);
    return r.seq;
  });
}

function randomPrompts(rand: () => number, nSeqs: number, c: number): number[][] {
  const tokens = (n: number, vocab: number) => Array.from({ length: n }, () => Math.floor(rand() * vocab));
  const bases = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => tokens(Math.floor(rand() * 6 * c), 50));
  return Array.from({ length: nSeqs }, () => {
    const base = bases[Math.floor(rand() * bases.length)];
    const cut = rand() < 0.5 ? base.length : Math.floor(rand() * (base.length + 1));
    const p = [...base.slice(0, cut), ...tokens(Math.floor(rand() * 2 * c), 1000)];
    return p.length > 0 ? p : [1];
  });
}

function checkDecode(executor: string, cache: any, cfg: Cfg, seqs: number[], nHeads: number, rand: () => number) {
  const layer = Math.floor(rand() * cfg.nLayers);
  const q = randomFloats(seqs.length * nHeads * cfg.headDim, rand, 2);
  const ref = cache.referenceDecode(seqs, layer, q);
  for (const method of ['tpp', 'baseline']) {
    const out = native.cudaDecodeAttention(cache, seqs, layer, q, { method, executor });
    const { rel, finite } = relativeError(out, ref);
    expect(finite).toBe(true);
    expect(rel).toBeLessThan(TOL[cfg.dtype]);
  }
}

describe.each(['host', 'cuda'])('KvCache attention, executor %s, vs float64 references', (executor) => {
  const gpuIt = executor === 'cuda' && !hasGpu ? it.skip : it;
  const shapes: Array<[number, number, number, number]> = [
    // headDim, chunkSize, nKvHeads, group
    [128, 64, 2, 1],
    [64, 16, 2, 4],
    [128, 32, 1, 8],
    [96, 64, 2, 2],
    [80, 16, 1, 3],
  ];
  for (const dtype of ['fp16', 'bf16'] as Dtype[]) {
    for (const [headDim, chunkSize, nKvHeads, group] of shapes) {
      gpuIt(`random sharing structures, ${dtype}, d${headDim} c${chunkSize} kv${nKvHeads} group ${group}`, () => {
        const rand = rng(headDim + chunkSize * 3 + group * 7 + (dtype === 'bf16' ? 1 : 0));
        for (let trial = 0; trial < 3; trial++) {
          const cfg: Cfg = { nLayers: 2, nKvHeads, headDim, chunkSize, dtype, poolBytes: 64 << 20 };
          const cache = new native.KvCache(cfg);
          const nSeqs = [1, 5, 33][trial];
          const seqs = fill(cache, cfg, randomPrompts(rand, nSeqs, chunkSize), rand);
          checkDecode(executor, cache, cfg, seqs, nKvHeads * group, rand);
        }
      });
    }
  }

  gpuIt('decode steps with appends, removals and forks between them', () => {
    const rand = rng(99);
    const cfg: Cfg = { nLayers: 1, nKvHeads: 2, headDim: 64, chunkSize: 16, dtype: 'fp16', poolBytes: 32 << 20 };
    const cache = new native.KvCache(cfg);
    let seqs = fill(cache, cfg, randomPrompts(rand, 12, 16), rand);
    const row = cfg.nKvHeads * cfg.headDim;
    for (let step = 0; step < 40; step++) {
      cache.append(seqs, seqs.map(() => Math.floor(rand() * 1000)));
      for (const s of seqs) {
        const pos = cache.seqLength(s) - 1;
        cache.writeKV(s, 0, pos, randomFloats(row, rand), randomFloats(row, rand));
        cache.markComputed(s);
      }
      checkDecode(executor, cache, cfg, seqs, 4, rand);
      if (step % 13 === 5) seqs = seqs.slice(1);
      if (step % 17 === 3) seqs.push(cache.fork(seqs[0]));
    }
  });

  for (const dtype of ['fp16', 'bf16'] as Dtype[]) {
    gpuIt(`prefill over a cached prefix, ${dtype}`, () => {
      const rand = rng(dtype === 'fp16' ? 5 : 6);
      const cfg: Cfg = { nLayers: 2, nKvHeads: 2, headDim: 128, chunkSize: 64, dtype, poolBytes: 64 << 20 };
      const cache = new native.KvCache(cfg);
      const prompt = Array.from({ length: 300 }, () => Math.floor(rand() * 50));
      fill(cache, cfg, [prompt], rand);
      // A second request with the same first 200 tokens: 192 cached (3 full chunks) + copied tail.
      const second = [...prompt.slice(0, 200), ...Array.from({ length: 90 }, () => Math.floor(rand() * 50))];
      const [seq] = fill(cache, cfg, [second], rand);
      for (const [pos0, nQ] of [[0, 290], [150, 140], [289, 1]]) {
        const q = randomFloats(nQ * 8 * cfg.headDim, rand, 2);
        const out = native.cudaPrefillAttention(cache, seq, 1, pos0, q, 8, { executor });
        const { rel, finite } = relativeError(out, cache.referencePrefill(seq, 1, pos0, q, 8));
        expect(finite).toBe(true);
        expect(rel).toBeLessThan(TOL[dtype]);
      }
    });
  }
});

describe('CUDA attention entry points: errors', () => {
  it('raise a clear error instead of crashing', () => {
    if (hasGpu) return;
    const cache = new native.KvCache({ nLayers: 1, nKvHeads: 1, headDim: 64, chunkSize: 16, dtype: 'fp16', poolBytes: 1 << 20 });
    expect(() => native.cudaDecodeAttention(cache, [0], 0, new Float32Array(64))).toThrow(/no usable CUDA device|no CUDA backend/);
    expect(() => native.cudaPrefillAttention(cache, 0, 0, 0, new Float32Array(64), 1)).toThrow(/no usable CUDA device|no CUDA backend/);
  });
  it('refuse a fp32 cache and an unknown executor', () => {
    const cache = new native.KvCache({ nLayers: 1, nKvHeads: 1, headDim: 64, chunkSize: 16, dtype: 'fp32', poolBytes: 1 << 20 });
    const { seq } = cache.insert('t', [1, 2, 3]);
    cache.writeKV(seq, 0, 0, new Float32Array(3 * 64).fill(1), new Float32Array(3 * 64).fill(1));
    expect(() => native.cudaDecodeAttention(cache, [seq], 0, new Float32Array(64), { executor: 'host' })).toThrow(/fp16 or bf16/);
    expect(() => native.cudaDecodeAttention(cache, [seq], 0, new Float32Array(64), { executor: 'gpu' })).toThrow(/executor must be/);
  });
});
