// The engine's attention scenarios (attention.test.ts, helpers/kv-world.ts) through the CUDA
// backend: random sharing structures, churn (append / insert / remove / fork between steps),
// namespaces, a tiny pool under eviction, prefill over a cached prefix. Outputs are checked
// against KvWorld's independent float64 reference (from the original fp32 K/V) and against the
// cache's reference over the stored values. Shapes are the ones CUDA supports (fp16/bf16, chunk
// sizes that are multiples of 16, head_dim 64/80/96/128).
// Executor "host" (the device plan through the host emulation) runs everywhere; "cuda" is
// skipped, with a message, where no CUDA device is usable.
import { KvCacheConfig } from '../index';
import { KvWorld, mulberry32, randomQ, randomPrompts, randomTokens, relErr } from './helpers/kv-world';

const native = require('..');

const info = native.backendInfo('auto');
const hasGpu = info.cudaCompiled && info.cudaDevices > 0;
if (!hasGpu) {
  // eslint-disable-next-line no-console
  console.log(`CUDA suite: no usable CUDA device (${info.cudaError ?? 'none found'}); "cuda" executor cases skipped.`);
}

type Cfg = Required<KvCacheConfig>;
type Dtype = 'fp16' | 'bf16';
// max |out - ref| / max |ref| (relErr). vs the original fp32 K/V: storage rounding + q and P
// rounded to the storage type; vs the stored values: q and P rounding only.
const TOL_ORIGINAL: Record<Dtype, number> = { fp16: 3e-3, bf16: 2e-2 };
const TOL_STORED: Record<Dtype, number> = { fp16: 2e-3, bf16: 1.5e-2 };

function config(over: Partial<Cfg>): Cfg {
  return { nLayers: 2, nKvHeads: 2, headDim: 64, chunkSize: 16, dtype: 'fp16', poolBytes: 64 << 20, ...over };
}

describe.each(['host', 'cuda'])('engine attention scenarios on the CUDA backend, executor %s', (executor) => {
  const maybe = executor === 'cuda' && !hasGpu ? test.skip : test;

  function checkDecode(w: KvWorld, seqs: number[], nHeads: number, rnd: () => number) {
    const dtype = w.cfg.dtype as Dtype;
    const layer = Math.floor(rnd() * w.cfg.nLayers);
    const q = randomQ(rnd, seqs.length * nHeads * w.cfg.headDim);
    const original = w.referenceDecode(seqs, layer, nHeads, q);
    const stored = w.cache.referenceDecode(seqs, layer, q);
    for (const method of ['tpp', 'baseline']) {
      const out = native.cudaDecodeAttention(w.cache, seqs, layer, q, { method, executor });
      expect(out.every(Number.isFinite)).toBe(true);
      expect(relErr(out, stored)).toBeLessThan(TOL_STORED[dtype]);
      expect(relErr(out, original)).toBeLessThan(TOL_ORIGINAL[dtype]);
    }
  }

  const shapes: Array<[Dtype, number, number]> = [
    ['fp16', 64, 16],
    ['fp16', 128, 64],
    ['bf16', 96, 16],
    ['bf16', 80, 32],
  ];
  maybe.each(shapes)('random sharing structures, %s, head_dim %d, chunk %d', (dtype, headDim, chunkSize) => {
    const rnd = mulberry32(headDim * 31 + chunkSize);
    for (let trial = 0; trial < 3; trial++) {
      const nKvHeads = [1, 2, 4][Math.floor(rnd() * 3)];
      const group = [1, 2, 4, 8][Math.floor(rnd() * 4)];
      const w = new KvWorld(config({ dtype, headDim, nKvHeads, chunkSize }));
      const seqs = randomPrompts(rnd, 1 + Math.floor(rnd() * 12), chunkSize).map((p) => w.insert('tenant', p).seq);
      checkDecode(w, seqs, nKvHeads * group, rnd);
    }
  });

  maybe('sequences appended, added, removed and forked between steps', () => {
    const rnd = mulberry32(23);
    const c = 16;
    const w = new KvWorld(config({ chunkSize: c, nLayers: 1 }));
    const system = randomTokens(rnd, 3 * c + 3);
    let live = [0, 1, 2].map(() => w.insert('t', [...system, ...randomTokens(rnd, Math.floor(rnd() * 10), 1000)]).seq);
    for (let step = 0; step < 30; step++) {
      const r = rnd();
      if (r < 0.1 && live.length > 1) w.remove(live.splice(Math.floor(rnd() * live.length), 1)[0]);
      else if (r < 0.2) live.push(w.insert('t', [...system.slice(0, Math.floor(rnd() * system.length) + 1), ...randomTokens(rnd, 3, 1000)]).seq);
      else if (r < 0.25) live.push(w.fork(live[Math.floor(rnd() * live.length)]));
      live = [...live].sort(() => rnd() - 0.5);
      w.append(live, live.map(() => Math.floor(rnd() * 1000)));
      checkDecode(w, live, 4, rnd);
    }
  });

  maybe('namespaces keep their own K/V', () => {
    const rnd = mulberry32(99);
    const w = new KvWorld(config({ chunkSize: 16, dtype: 'bf16' }));
    const prompt = randomTokens(rnd, 70);
    const a = w.insert('tenant-a', prompt);
    const b = w.insert('tenant-b', prompt);
    const a2 = w.insert('tenant-a', prompt);
    checkDecode(w, [a.seq, b.seq, a2.seq], 4, rnd);
  });

  maybe('tiny pool: eviction and reuse of evicted chunks', () => {
    const rnd = mulberry32(3);
    const c = 16;
    const probe = new KvWorld(config({ chunkSize: c, nLayers: 1, poolBytes: 1 << 20 }));
    const chunkBytes = probe.cache.config().chunkBytes;
    const w = new KvWorld(config({ chunkSize: c, nLayers: 1, poolBytes: chunkBytes * 12 }));
    const sys = randomTokens(rnd, 40);
    let live: number[] = [];
    for (let i = 0; i < 50; i++) {
      try {
        if (rnd() < 0.5 || live.length === 0) live.push(w.insert('t', [...sys.slice(0, Math.floor(rnd() * 41)), ...randomTokens(rnd, 1 + Math.floor(rnd() * 20), 1000)]).seq);
        else if (rnd() < 0.5) w.remove(live.splice(Math.floor(rnd() * live.length), 1)[0]);
        else w.append(live, live.map(() => 7));
      } catch (e) {
        expect((e as Error).message).toMatch(/CacheFullError/);
      }
      if (live.length > 0) checkDecode(w, live, 2, rnd);
    }
    expect(w.cache.snapshot().counters.evictions).toBeGreaterThan(0);
  });

  maybe('prefill over a cached prefix, causal', () => {
    const rnd = mulberry32(41);
    for (const dtype of ['fp16', 'bf16'] as Dtype[]) {
      const w = new KvWorld(config({ dtype, chunkSize: 16, headDim: 128, nKvHeads: 2 }));
      const prompt = randomTokens(rnd, 90);
      w.insert('t', prompt);
      const r = w.insert('t', [...prompt.slice(0, 70), ...randomTokens(rnd, 25, 1000)], 94);
      for (const [pos0, nQ] of [[r.cachedTokens, 95 - r.cachedTokens], [0, 95], [94, 1]]) {
        const q = randomQ(rnd, nQ * 8 * 128);
        const out = native.cudaPrefillAttention(w.cache, r.seq, 1, pos0, q, 8, { executor });
        expect(out.every(Number.isFinite)).toBe(true);
        expect(relErr(out, w.cache.referencePrefill(r.seq, 1, pos0, q, 8))).toBeLessThan(TOL_STORED[dtype]);
        expect(relErr(out, w.referencePrefill(r.seq, 1, pos0, 8, q))).toBeLessThan(TOL_ORIGINAL[dtype]);
      }
    }
  });
});
