// PAKV behaviour: reuse and partial copy, computed-only matching, retention after remove, pinning,
// leaf-first LRU eviction, full-pool errors that change nothing, fork, tails, snapshot, bad input.
import { KvCache, KvCacheConfig } from '../index';
import { KvWorld, mulberry32 } from './helpers/kv-world';

const C = 4; // chunk size used throughout
const base: Required<KvCacheConfig> = { nLayers: 1, nKvHeads: 1, headDim: 64, chunkSize: C, dtype: 'fp32', poolBytes: 1 << 20 };
const chunkBytes = new KvCache(base).config().chunkBytes;
const world = (chunks = 256) => new KvWorld({ ...base, poolBytes: chunkBytes * chunks });
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('insert and reuse', () => {
  test('full chunks are shared, a partial match is copied into the new tail', () => {
    const w = world();
    const a = w.insert('t', range(0, 10)); // chunks [0..3] [4..7] [8,9]
    expect(a).toEqual({ seq: a.seq, cachedTokens: 0, sharedTokens: 0, copiedTokens: 0 });
    const b = w.insert('t', [...range(0, 9), 99]); // shares 2 full chunks, copies token 8
    expect(b).toMatchObject({ cachedTokens: 9, sharedTokens: 8, copiedTokens: 1 });
    const chA = w.cache.seqChunks(a.seq);
    const chB = w.cache.seqChunks(b.seq);
    expect(chB.slice(0, 2)).toEqual(chA.slice(0, 2));
    expect(chB[2]).not.toBe(chA[2]);
    expect(w.cache.lookup('t', range(0, 10))).toBe(10);
    w.cache.checkInvariants();
  });

  test('maxCached caps the reuse (the runtime keeps one token to compute)', () => {
    const w = world();
    w.insert('t', range(0, 8));
    const r = w.insert('t', range(0, 8), 7);
    expect(r).toMatchObject({ cachedTokens: 7, sharedTokens: 4, copiedTokens: 3 });
  });

  test('chunks whose K/V are not marked computed are never matched', () => {
    const cache = new KvCache(base);
    const first = cache.insert('t', range(0, 9));
    expect(cache.insert('t', range(0, 9)).cachedTokens).toBe(0); // nothing computed yet
    cache.writeKV(first.seq, 0, 0, new Float32Array(5 * 64).fill(1), new Float32Array(5 * 64).fill(1));
    cache.markComputed(first.seq, 5);
    expect(cache.lookup('t', range(0, 9))).toBe(5); // one full chunk + 1 computed token of the next
    expect(cache.insert('t', range(0, 9))).toMatchObject({ cachedTokens: 5, sharedTokens: 4, copiedTokens: 1 });
    cache.checkInvariants();
  });

  test('finished sequences stay cached; counters count hits and misses in tokens', () => {
    const w = world();
    const a = w.insert('t', range(0, 12));
    w.remove(a.seq);
    const snap = w.cache.snapshot();
    expect(snap.counters.referencedChunks).toBe(0);
    expect(snap.counters.cachedChunks).toBe(3); // the empty pre-reserved tail was returned
    const b = w.insert('t', range(0, 12));
    expect(b.cachedTokens).toBe(12);
    const k = w.cache.snapshot().counters;
    expect(k).toMatchObject({ lookups: 2, hitTokens: 12, missedTokens: 12, liveSequences: 1 });
  });
});

describe('eviction, pinning and a full pool', () => {
  test('leaf-first, least recently used first', () => {
    const w = world(8);
    const older = w.insert('t', range(0, 8)); // 2 full + empty tail
    w.remove(older.seq);
    const newer = w.insert('t', range(100, 8));
    w.remove(newer.seq);
    // 4 cached chunks, 4 free; a 9-token prompt needs 3 chunks: free ones first, no eviction
    const x = w.insert('t', range(200, 9));
    expect(w.cache.snapshot().counters.evictions).toBe(0);
    // x stays cached (7 chunks used, 1 free); the next 3-chunk prompt takes the free one and
    // evicts 2: the older prompt's leaf, then its root (now a leaf), not the newer prompt
    w.remove(x.seq);
    w.insert('u', range(300, 9));
    expect(w.cache.snapshot().counters.evictions).toBe(2);
    expect(w.cache.lookup('t', range(0, 8))).toBe(0);
    expect(w.cache.lookup('t', range(100, 8))).toBe(8);
    w.cache.checkInvariants();
  });

  test('pinned prefixes survive pressure until unpinned', () => {
    const w = world(6);
    const sys = range(0, 10);
    const s = w.insert('t', sys);
    w.remove(s.seq);
    expect(w.cache.pin('t', sys)).toBe(10);
    expect(w.cache.snapshot().counters.pinnedChunks).toBe(3);
    // 3 chunks left: a 12-token prompt needs 4
    expect(() => w.insert('t', range(50, 12))).toThrow(/CacheFullError/);
    expect(w.cache.lookup('t', sys)).toBe(10);
    expect(w.cache.unpin('t', sys)).toBe(10);
    expect(() => w.cache.unpin('t', sys)).toThrow(/not pinned/);
    w.insert('t', range(50, 12));
    expect(w.cache.lookup('t', sys)).toBeLessThan(10);
    w.cache.checkInvariants();
  });

  test('a full pool throws ERR_CACHE_FULL and changes nothing', () => {
    const w = world(5);
    const a = w.insert('t', range(0, 9)); // 3 chunks
    const before = w.cache.snapshot();
    let err: (Error & { code?: string }) | undefined;
    try {
      w.cache.insert('t', range(100, 9));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/CacheFullError/);
    expect(err?.code).toBe('ERR_CACHE_FULL');
    const after = w.cache.snapshot();
    expect(after.chunks).toEqual(before.chunks);
    expect(after.counters).toEqual(before.counters);
    // append is all or nothing too
    const b = w.insert('t', range(0, 6)); // shares chunk 0, owns 1 chunk with 2 tokens
    w.append([a.seq, b.seq], [1, 2]);
    w.append([a.seq, b.seq], [1, 2]); // b's tail fills and takes the last free chunk
    const lenA = w.cache.seqLength(a.seq);
    const lenB = w.cache.seqLength(b.seq);
    expect(() => w.cache.append([a.seq, b.seq], [3, 3])).toThrow(/CacheFullError/); // a's tail would fill
    expect(w.cache.seqLength(a.seq)).toBe(lenA);
    expect(w.cache.seqLength(b.seq)).toBe(lenB);
    w.cache.checkInvariants();
  });

  test('evictAll resets the prefix cache but keeps live and pinned chunks', () => {
    const w = world();
    const live = w.insert('t', range(0, 9));
    const gone = w.insert('t', range(100, 9));
    w.remove(gone.seq);
    const pinned = w.insert('t', range(200, 9));
    w.remove(pinned.seq);
    w.cache.pin('t', range(200, 9));
    expect(w.cache.evictAll()).toBe(3);
    expect(w.cache.lookup('t', range(0, 9))).toBe(9);
    expect(w.cache.lookup('t', range(200, 9))).toBe(9);
    expect(w.cache.seqLength(live.seq)).toBe(9);
  });
});

describe('decode-time operations', () => {
  test('append bumps lengths and reserves a new tail only when one fills', () => {
    const w = world();
    const a = w.insert('t', range(0, 6));
    let v = w.cache.version();
    w.append([a.seq], [1]); // 7 tokens, tail 3/4
    expect(w.cache.version()).toBe(v);
    w.append([a.seq], [1]); // tail full: a new empty tail is reserved now
    expect(w.cache.version()).toBe(v + 1);
    expect(w.cache.seqChunks(a.seq)).toHaveLength(3);
    v = w.cache.version();
    w.append([a.seq], [1]);
    expect(w.cache.version()).toBe(v);
    expect(w.cache.seqLength(a.seq)).toBe(9);
  });

  test('fork shares full chunks and copies the tail', () => {
    const w = world();
    const a = w.insert('t', range(0, 10));
    const b = w.fork(a.seq);
    const ca = w.cache.seqChunks(a.seq);
    const cb = w.cache.seqChunks(b);
    expect(cb.slice(0, 2)).toEqual(ca.slice(0, 2));
    expect(cb[2]).not.toBe(ca[2]);
    expect(w.cache.seqLength(b)).toBe(10);
    const refs = new Map(w.cache.snapshot().chunks.map((c) => [c.id, c.refCount]));
    expect(refs.get(ca[0])).toBe(2);
    expect(refs.get(ca[2])).toBe(1);
    w.append([a.seq, b], [5, 6]);
    w.cache.checkInvariants();
  });

  test('fork refuses a sequence whose full chunks are not computed yet', () => {
    const cache = new KvCache(base);
    const r = cache.insert('t', range(0, 9));
    expect(() => cache.fork(r.seq)).toThrow(/uncomputed/);
  });

  test('the decode plan survives steady steps and rebuilds on tree changes', () => {
    const w = world();
    const rnd = mulberry32(1);
    const seqs = [w.insert('t', range(0, 9)).seq, w.insert('t', range(0, 7)).seq];
    const q = Float32Array.from({ length: 2 * 64 }, () => rnd());
    w.cache.decodeAttention(seqs, 0, q);
    const r0 = w.cache.decodeStats('tpp').rebuilds;
    w.cache.decodeAttention(seqs, 0, q);
    expect(w.cache.decodeStats('tpp').rebuilds).toBe(r0);
    w.insert('t', range(0, 3));
    w.cache.decodeAttention(seqs, 0, q);
    expect(w.cache.decodeStats('tpp').rebuilds).toBe(r0 + 1);
  });
});

describe('snapshot', () => {
  test('tree and counters', () => {
    const w = world(64);
    const a = w.insert('alpha', range(0, 5));
    w.insert('beta', range(0, 2));
    w.cache.pin('alpha', range(0, 5));
    const snap = w.cache.snapshot();
    expect(snap.chunks).toHaveLength(3);
    const [root, tail, other] = snap.chunks;
    expect(root).toMatchObject({ parent: null, namespace: 'alpha', tokens: 4, computed: 4, refCount: 1, pinCount: 1 });
    expect(tail).toMatchObject({ parent: root.id, namespace: 'alpha', tokens: 1, refCount: 1, pinCount: 1 });
    expect(other).toMatchObject({ parent: null, namespace: 'beta', tokens: 2, pinCount: 0 });
    expect(typeof root.lastUse).toBe('number');
    expect(snap.counters).toMatchObject({
      capacityChunks: 64,
      usedChunks: 3,
      freeChunks: 61,
      pinnedChunks: 2,
      referencedChunks: 3,
      cachedChunks: 0,
      bytesInUse: 3 * chunkBytes,
      chunkBytes,
      liveSequences: 2,
      evictions: 0,
    });
    w.remove(a.seq);
    expect(w.cache.snapshot().counters.referencedChunks).toBe(1);
  });
});

describe('bad arguments raise exceptions', () => {
  const cache = new KvCache({ ...base, nKvHeads: 2 });
  const seq = cache.insert('t', [1, 2, 3]).seq;

  test('dispose releases the pool; later calls throw', () => {
    const c = new KvCache(base);
    c.insert('t', [1]);
    c.dispose();
    expect(() => c.insert('t', [1])).toThrow(/disposed/);
    expect(() => c.snapshot()).toThrow(/disposed/);
  });

  test('constructor', () => {
    expect(() => new KvCache(undefined as unknown as KvCacheConfig)).toThrow(/config must be an object/);
    expect(() => new KvCache({} as KvCacheConfig)).toThrow(/poolBytes is required/);
    expect(() => new KvCache({ ...base, poolBytes: 10 })).toThrow(/smaller than one chunk/);
    expect(() => new KvCache({ ...base, dtype: 'int8' as 'fp32' })).toThrow(/unknown KV dtype/);
    expect(() => new KvCache({ ...base, headDim: 1.5 })).toThrow(/integer/);
    expect(() => new KvCache({ ...base, nLayers: 0 })).toThrow(/nLayers/);
    expect(() => (KvCache as unknown as () => void)()).toThrow();
  });

  test('cache methods', () => {
    expect(() => cache.insert(5 as unknown as string, [1])).toThrow(/namespace must be a string/);
    expect(() => cache.insert('t', [1, 'x' as unknown as number])).toThrow(/tokens\[1\] must be a number/);
    expect(() => cache.insert('t', [2 ** 40])).toThrow(/tokens\[0\] must be in/);
    expect(() => cache.insert('t', 'abc' as unknown as number[])).toThrow(/Int32Array or an array/);
    expect(() => cache.remove(12345)).toThrow(/unknown sequence/);
    expect(() => cache.remove(-1)).toThrow(/seq must be in/);
    expect(() => cache.append([seq], [])).toThrow(/1 sequences but 0 tokens/);
    expect(() => cache.append([seq, seq], [1, 1])).toThrow(/given twice/);
    expect(() => cache.markComputed(seq, 99)).toThrow(/outside/);
    expect(() => cache.unpin('t', [42])).toThrow(/not cached/);
  });

  test('writeKV', () => {
    const row = new Float32Array(2 * 64);
    expect(() => cache.writeKV(seq, 0, 0, row, new Float32Array(3))).toThrow(/differ in length/);
    expect(() => cache.writeKV(seq, 0, 0, new Float32Array(5), new Float32Array(5))).toThrow(/multiple of nKvHeads/);
    expect(() => cache.writeKV(seq, 1, 0, row, row)).toThrow(/layer must be in/);
    expect(() => cache.writeKV(seq, 0, 3, row, row)).toThrow(/not inside the uncomputed range/);
    expect(() => cache.writeKV(seq, 0, 0, [1] as unknown as Float32Array, row)).toThrow(/Float32Array/);
    cache.writeKV(seq, 0, 0, new Float32Array(3 * 2 * 64), new Float32Array(3 * 2 * 64));
    cache.markComputed(seq);
    expect(() => cache.writeKV(seq, 0, 0, row, row)).toThrow(/not inside the uncomputed range/); // computed (maybe shared) rows are read-only
  });

  test('attention', () => {
    const q = new Float32Array(4 * 64);
    expect(() => cache.decodeAttention([seq], 0, new Float32Array(100))).toThrow(/not a positive multiple/);
    expect(() => cache.decodeAttention([seq], 0, new Float32Array(3 * 64))).toThrow(/not a multiple of nKvHeads/);
    expect(() => cache.decodeAttention([seq], 0, q, { method: 'flash' as 'tpp' })).toThrow(/"tpp" or "baseline"/);
    expect(() => cache.decodeAttention([seq], 2, q)).toThrow(/layer must be in/);
    expect(() => cache.decodeAttention([777], 0, q)).toThrow(/unknown sequence/);
    expect(() => cache.decodeAttention([seq, seq], 0, new Float32Array(8 * 64))).toThrow(/twice/);
    expect(() => cache.decodeAttention([seq], 0, q, { out: new Float32Array(3) })).toThrow(/length of q/);
    expect(() => cache.prefillAttention(seq, 0, 2, new Float32Array(2 * 4 * 64), 4)).toThrow(/outside sequence/);
    expect(() => cache.prefillAttention(seq, 0, 0, q, 3)).toThrow(/not a positive multiple|multiple of nHeads/);
    const odd = new KvCache({ ...base, headDim: 48 });
    const s = odd.insert('t', [1]).seq;
    expect(() => odd.decodeAttention([s], 0, new Float32Array(48))).toThrow(/head_dim 48 not supported/);
  });
});

describe('admission', () => {
  test('canAdmit agrees with insert at the edge of a full pool, partial-copy source included', () => {
    const rnd = mulberry32(8);
    for (let trial = 0; trial < 200; trial++) {
      const w = world(6);
      const sys = range(0, 6);
      const keep: number[] = [];
      for (let i = 0; i < 3; i++) {
        const tokens = [...sys.slice(0, Math.floor(rnd() * 7)), ...range(100 * (i + 1), Math.floor(rnd() * 6))];
        if (!w.cache.canAdmit('t', tokens)) continue;
        const r = w.insert('t', tokens);
        if (rnd() < 0.5) w.remove(r.seq);
        else keep.push(r.seq);
      }
      const prompt = [...sys.slice(0, Math.floor(rnd() * 7)), ...range(1000, Math.floor(rnd() * 9))];
      const admit = w.cache.canAdmit('t', prompt);
      let inserted = true;
      try {
        w.insert('t', prompt);
      } catch (e) {
        expect((e as Error).message).toMatch(/CacheFullError/);
        inserted = false;
      }
      expect(inserted).toBe(admit);
      w.cache.checkInvariants();
    }
  });
});
