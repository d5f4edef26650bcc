// TPP and baseline decode attention, and prefill attention, against float64 references on random
// cases: random sharing structures, GQA ratios, all head dims and dtypes, lengths on and off chunk
// boundaries, one sequence, one token, empty tails, sequences added / removed / forked between
// steps, a tiny pool under eviction, namespaces that must not share.
import { KvCacheConfig, backendInfo } from '../index';
import { KvWorld, mulberry32, randomQ, randomPrompts, randomTokens, relErr, tolerance } from './helpers/kv-world';

type Cfg = Required<KvCacheConfig>;

function config(over: Partial<Cfg>): Cfg {
  return { nLayers: 2, nKvHeads: 2, headDim: 64, chunkSize: 16, dtype: 'fp32', poolBytes: 64 << 20, ...over };
}

// Checks one decode step of every method against both references; returns the worst errors.
function checkDecode(w: KvWorld, seqs: number[], nHeads: number, rnd: () => number) {
  const layer = Math.floor(rnd() * w.cfg.nLayers);
  const q = randomQ(rnd, seqs.length * nHeads * w.cfg.headDim);
  const js = w.referenceDecode(seqs, layer, nHeads, q);
  const stored = w.cache.referenceDecode(seqs, layer, q);
  const res: Record<string, { vsStored: number; vsOriginal: number }> = {};
  for (const method of ['tpp', 'baseline'] as const) {
    const out = w.cache.decodeAttention(seqs, layer, q, { method });
    res[method] = { vsStored: relErr(out, stored), vsOriginal: relErr(out, js) };
    expect(res[method].vsStored).toBeLessThan(1e-5);
    expect(res[method].vsOriginal).toBeLessThan(tolerance(w.cfg.dtype));
  }
  return res;
}

describe('decode attention (TPP and baseline) vs float64 references', () => {
  const dtypes = ['fp32', 'fp16', 'bf16'] as const;
  const headDims = [64, 80, 96, 128, 256];

  test.each(dtypes.flatMap((dtype) => headDims.map((headDim) => [dtype, headDim] as const)))(
    'random sharing structures, dtype %s, head_dim %d',
    (dtype, headDim) => {
      const rnd = mulberry32(headDim * 31 + dtype.length);
      for (let trial = 0; trial < 3; trial++) {
        const nKvHeads = [1, 2, 4][Math.floor(rnd() * 3)];
        const group = [1, 2, 4, 8][Math.floor(rnd() * 4)];
        const c = [4, 16, 64][Math.floor(rnd() * 3)];
        const w = new KvWorld(config({ dtype, headDim, nKvHeads, chunkSize: c }));
        const prompts = randomPrompts(rnd, 1 + Math.floor(rnd() * 9), c);
        const seqs = prompts.map((p) => w.insert('tenant', p).seq);
        w.cache.checkInvariants();
        checkDecode(w, seqs, nKvHeads * group, rnd);
      }
    },
  );

  test('TPP actually shares: chunks shared by the batch go through phase 1', () => {
    const rnd = mulberry32(7);
    const w = new KvWorld(config({ chunkSize: 16 }));
    const system = randomTokens(rnd, 100);
    const seqs = [0, 1, 2, 3].map(() => w.insert('t', [...system, ...randomTokens(rnd, 5, 1000)]).seq);
    checkDecode(w, seqs, 4, rnd);
    const tpp = w.cache.decodeStats('tpp');
    expect(tpp.sharedChunks).toBe(6); // floor(100 / 16) full chunks of the system prompt
    expect(tpp.partialStates).toBe(24);
    const base = w.cache.decodeStats('baseline');
    expect(base.sharedChunks).toBe(0);
    expect(base.kvBytesRead).toBeGreaterThan(tpp.kvBytesRead * 3);
    // each plan times its phases over all of its calls (bench:kernel reports phase 1 from this)
    expect(tpp.calls).toBe(1);
    expect(tpp.phase1Ns).toBeGreaterThan(0);
    expect(tpp.phase2Ns).toBeGreaterThan(0);
    checkDecode(w, seqs, 4, rnd);
    const again = w.cache.decodeStats('tpp');
    expect(again.calls).toBe(2);
    expect(again.phase1Ns).toBeGreaterThan(tpp.phase1Ns);
  });

  test('long shared chains are split into segments; nested sharing ranges merge exactly', () => {
    const rnd = mulberry32(77);
    const c = 4;
    const w = new KvWorld(config({ chunkSize: c, nKvHeads: 1, headDim: 128 }));
    const sys = randomTokens(rnd, 21 * c); // 21 full chunks shared by all
    const branch = randomTokens(rnd, 3 * c); // 3 more chunks shared by half of them
    const seqs = [0, 1, 2, 3, 4, 5].map((i) =>
      w.insert('t', [...sys, ...(i % 2 ? branch : []), ...randomTokens(rnd, i, 1000)]).seq,
    );
    checkDecode(w, seqs, 2, rnd);
    const stats = w.cache.decodeStats('tpp');
    expect(stats.sharedChunks).toBe(24);
    // The CPU policy (cpu_segment_policy): about 4 tasks per thread, one per (segment, KV head),
    // so per = ceil(24 chunks / (4 x threads)) chunks a segment, each run split in balanced pieces.
    const per = Math.ceil(24 / (4 * backendInfo().threads));
    expect(stats.segments).toBe(Math.ceil(21 / per) + Math.ceil(3 / per));
    expect(stats.segments).toBeGreaterThan(1);
  });

  test('one sequence, one token, and a prompt ending on a chunk boundary (empty tail)', () => {
    const rnd = mulberry32(11);
    const w = new KvWorld(config({ chunkSize: 8 }));
    const one = w.insert('t', [5]).seq;
    checkDecode(w, [one], 4, rnd);
    const exact = w.insert('t', randomTokens(rnd, 32)).seq;
    expect(w.cache.seqChunks(exact)).toHaveLength(5); // 4 full + a pre-reserved empty tail
    checkDecode(w, [exact], 4, rnd);
    checkDecode(w, [one, exact], 4, rnd);
    const twin = w.fork(exact);
    checkDecode(w, [exact, twin], 4, rnd);
  });

  test('sequences appended, added, removed and forked between steps; plans rebuild only on tree changes', () => {
    const rnd = mulberry32(23);
    const c = 8;
    const w = new KvWorld(config({ chunkSize: c, nKvHeads: 2, headDim: 64, nLayers: 1 }));
    const system = randomTokens(rnd, 3 * c + 3);
    let live = [0, 1, 2].map(() => w.insert('t', [...system, ...randomTokens(rnd, Math.floor(rnd() * 10), 1000)]).seq);
    for (let step = 0; step < 40; step++) {
      const r = rnd();
      if (r < 0.1 && live.length > 1) {
        w.remove(live.splice(Math.floor(rnd() * live.length), 1)[0]);
      } else if (r < 0.2) {
        live.push(w.insert('t', [...system.slice(0, Math.floor(rnd() * system.length) + 1), ...randomTokens(rnd, 3, 1000)]).seq);
      } else if (r < 0.25) {
        live.push(w.fork(live[Math.floor(rnd() * live.length)]));
      }
      live = [...live].sort(() => rnd() - 0.5); // any batch order
      checkDecode(w, live, 4, rnd);
      const before = w.cache.decodeStats('tpp').rebuilds;
      const version = w.cache.version();
      checkDecode(w, live, 4, rnd); // same tree, same batch: no rebuild
      expect(w.cache.decodeStats('tpp').rebuilds).toBe(before);
      w.append(live, live.map(() => Math.floor(rnd() * 1000)));
      const grew = w.cache.version() !== version;
      checkDecode(w, live, 4, rnd);
      expect(w.cache.decodeStats('tpp').rebuilds).toBe(before + (grew ? 1 : 0));
      w.cache.checkInvariants();
    }
  });

  test('threshold: chunks shared by few sequences can be left to phase 2', () => {
    const rnd = mulberry32(5);
    const w = new KvWorld(config({ chunkSize: 4 }));
    const sys = randomTokens(rnd, 12);
    const seqs = [0, 1, 2].map(() => w.insert('t', [...sys, ...randomTokens(rnd, 3, 1000)]).seq);
    const q = randomQ(rnd, 3 * 4 * 64);
    const ref = w.referenceDecode(seqs, 0, 4, q);
    expect(relErr(w.cache.decodeAttention(seqs, 0, q, { threshold: 3 }), ref)).toBeLessThan(1e-5);
    expect(w.cache.decodeStats('tpp').sharedChunks).toBe(0);
    expect(relErr(w.cache.decodeAttention(seqs, 0, q, { threshold: 2 }), ref)).toBeLessThan(1e-5);
    expect(w.cache.decodeStats('tpp').sharedChunks).toBe(3);
  });

  test('namespaces never share chunks and each gets its own K/V', () => {
    const rnd = mulberry32(99);
    const w = new KvWorld(config({ chunkSize: 4 }));
    const prompt = randomTokens(rnd, 30);
    const a = w.insert('tenant-a', prompt);
    const b = w.insert('tenant-b', prompt);
    expect(b.cachedTokens).toBe(0);
    const a2 = w.insert('tenant-a', prompt);
    expect(a2.cachedTokens).toBe(30);
    const chunksA = new Set(w.cache.seqChunks(a.seq));
    expect(w.cache.seqChunks(b.seq).some((id) => chunksA.has(id))).toBe(false);
    // K/V depend on the namespace in KvWorld, so any cross-namespace reuse would show here.
    checkDecode(w, [a.seq, b.seq, a2.seq], 4, rnd);
  });

  test('tiny pool: eviction under pressure, full-pool errors leave a consistent, correct cache', () => {
    const rnd = mulberry32(3);
    const c = 4;
    const probe = new KvWorld(config({ chunkSize: c, nLayers: 1, poolBytes: 1 << 20 }));
    const chunkBytes = probe.cache.config().chunkBytes;
    const w = new KvWorld(config({ chunkSize: c, nLayers: 1, poolBytes: chunkBytes * 12 }));
    const sys = randomTokens(rnd, 9);
    let live: number[] = [];
    let fullErrors = 0;
    for (let i = 0; i < 60; i++) {
      try {
        if (rnd() < 0.5 || live.length === 0) {
          live.push(w.insert('t', [...sys.slice(0, Math.floor(rnd() * 10)), ...randomTokens(rnd, Math.floor(rnd() * 8), 1000)]).seq);
        } else if (rnd() < 0.5) {
          w.remove(live.splice(Math.floor(rnd() * live.length), 1)[0]);
        } else {
          w.append(live, live.map(() => 7));
        }
      } catch (e) {
        expect((e as Error).message).toMatch(/CacheFullError/);
        expect((e as { code?: string }).code).toBe('ERR_CACHE_FULL');
        fullErrors++;
      }
      w.cache.checkInvariants();
      if (live.length > 0) checkDecode(w, live, 2, rnd);
    }
    expect(fullErrors).toBeGreaterThan(0);
    expect(w.cache.snapshot().counters.evictions).toBeGreaterThan(0);
  });
});

describe('prefill attention vs float64 references', () => {
  test.each([
    ['fp32', 64, 1, 16],
    ['fp32', 128, 4, 64],
    ['fp16', 80, 2, 8],
    ['bf16', 96, 8, 16],
    ['fp16', 256, 1, 4],
  ] as const)('dtype %s, head_dim %d, group %d, chunk %d', (dtype, headDim, group, c) => {
    const rnd = mulberry32(headDim + group);
    const w = new KvWorld(config({ dtype, headDim, chunkSize: c, nKvHeads: 2 }));
    const nHeads = 2 * group;
    const prefix = randomTokens(rnd, 3 * c + 5);
    w.insert('t', prefix);
    for (const extra of [1, 7, 2 * c + 3]) {
      const r = w.insert('t', [...prefix, ...randomTokens(rnd, extra, 1000)]);
      expect(r.cachedTokens).toBe(prefix.length);
      const nQ = extra;
      const q = randomQ(rnd, nQ * nHeads * headDim);
      const out = w.cache.prefillAttention(r.seq, 1, r.cachedTokens, q, nHeads);
      expect(relErr(out, w.cache.referencePrefill(r.seq, 1, r.cachedTokens, q, nHeads))).toBeLessThan(1e-5);
      expect(relErr(out, w.referencePrefill(r.seq, 1, r.cachedTokens, nHeads, q))).toBeLessThan(tolerance(dtype));
    }
    // a whole prompt from position 0
    const r = w.insert('other', randomTokens(rnd, 2 * c + 1));
    const q = randomQ(rnd, (2 * c + 1) * nHeads * headDim);
    const out = w.cache.prefillAttention(r.seq, 0, 0, q, nHeads);
    expect(relErr(out, w.referencePrefill(r.seq, 0, 0, nHeads, q))).toBeLessThan(tolerance(dtype));
  });
});
