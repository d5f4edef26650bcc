// A JS mirror of what the KV cache should hold, for tests. K/V of a position are a deterministic
// function of (namespace, token prefix up to and including it, layer), as they would be for a
// real model, so a chunk reused or copied from another sequence must hold exactly the values a
// recomputation would write; a chunk wrongly shared (another namespace, another prefix) shows up
// as a mismatch against the float64 reference computed here from the original fp32 values.
import { KvCache, KvCacheConfig } from '../../index';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function mix(h: number, x: number): number {
  h = Math.imul(h ^ (x >>> 0), 0x9e3779b1) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface SeqState {
  seq: number;
  ns: string;
  tokens: number[];
  prefixHash: number[]; // [len] hash of tokens[0..p]
}

export class KvWorld {
  readonly cache: KvCache;
  readonly cfg: Required<KvCacheConfig>;
  readonly seqs = new Map<number, SeqState>();
  private readonly rowLen: number;

  constructor(cfg: Required<KvCacheConfig>) {
    this.cfg = cfg;
    this.cache = new KvCache(cfg);
    this.rowLen = cfg.nKvHeads * cfg.headDim;
  }

  // K and V rows [nKvHeads, headDim] of one position, from its prefix hash.
  kvRow(ns: string, prefixHash: number, layer: number): { k: Float32Array; v: Float32Array } {
    const rnd = mulberry32(mix(mix(hashString(ns), prefixHash), layer + 1));
    const k = new Float32Array(this.rowLen);
    const v = new Float32Array(this.rowLen);
    for (let i = 0; i < this.rowLen; i++) k[i] = (rnd() * 2 - 1) * 1.5;
    for (let i = 0; i < this.rowLen; i++) v[i] = rnd() * 2 - 1;
    return { k, v };
  }

  private extendHashes(s: SeqState, from: number): void {
    for (let p = from; p < s.tokens.length; p++) s.prefixHash[p] = mix(p === 0 ? 12345 : s.prefixHash[p - 1], s.tokens[p] + 7);
  }

  // Writes K/V of positions [from, len) of every layer and marks them computed.
  private compute(s: SeqState, from: number): void {
    const n = s.tokens.length - from;
    if (n <= 0) return;
    for (let layer = 0; layer < this.cfg.nLayers; layer++) {
      const k = new Float32Array(n * this.rowLen);
      const v = new Float32Array(n * this.rowLen);
      for (let t = 0; t < n; t++) {
        const row = this.kvRow(s.ns, s.prefixHash[from + t], layer);
        k.set(row.k, t * this.rowLen);
        v.set(row.v, t * this.rowLen);
      }
      this.cache.writeKV(s.seq, layer, from, k, v);
    }
    this.cache.markComputed(s.seq);
  }

  insert(ns: string, tokens: number[], maxCached?: number) {
    const r = this.cache.insert(ns, tokens, maxCached);
    const s: SeqState = { seq: r.seq, ns, tokens: [...tokens], prefixHash: [] };
    this.extendHashes(s, 0);
    this.seqs.set(r.seq, s);
    this.compute(s, r.cachedTokens);
    return r;
  }

  // One decode step: a token per sequence, its K/V written for every layer.
  append(seqs: number[], tokens: number[]): void {
    this.cache.append(seqs, tokens);
    seqs.forEach((id, i) => {
      const s = this.seqs.get(id)!;
      s.tokens.push(tokens[i]);
      this.extendHashes(s, s.tokens.length - 1);
      this.compute(s, s.tokens.length - 1);
    });
  }

  remove(seq: number): void {
    this.cache.remove(seq);
    this.seqs.delete(seq);
  }

  fork(seq: number): number {
    const id = this.cache.fork(seq);
    const s = this.seqs.get(seq)!;
    this.seqs.set(id, { seq: id, ns: s.ns, tokens: [...s.tokens], prefixHash: [...s.prefixHash] });
    return id;
  }

  // float64 attention of query rows q [nHeads, headDim] (at rowOffset) over positions [0, nKeys).
  private attendRow(s: SeqState, layer: number, nHeads: number, nKeys: number, q: Float32Array, qOff: number, out: Float64Array): void {
    const { headDim: hd, nKvHeads } = this.cfg;
    const group = nHeads / nKvHeads;
    const rows = Array.from({ length: nKeys }, (_, p) => this.kvRow(s.ns, s.prefixHash[p], layer));
    const scale = 1 / Math.sqrt(hd);
    for (let h = 0; h < nHeads; h++) {
      const kvh = Math.floor(h / group);
      const scores = new Float64Array(nKeys);
      let mx = -Infinity;
      for (let p = 0; p < nKeys; p++) {
        let dot = 0;
        for (let d = 0; d < hd; d++) dot += q[qOff + h * hd + d] * rows[p].k[kvh * hd + d];
        scores[p] = dot * scale;
        if (scores[p] > mx) mx = scores[p];
      }
      let sum = 0;
      for (let p = 0; p < nKeys; p++) sum += (scores[p] = Math.exp(scores[p] - mx));
      for (let d = 0; d < hd; d++) {
        let acc = 0;
        for (let p = 0; p < nKeys; p++) acc += scores[p] * rows[p].v[kvh * hd + d];
        out[qOff + h * hd + d] = nKeys > 0 ? acc / sum : 0;
      }
    }
  }

  referenceDecode(seqs: number[], layer: number, nHeads: number, q: Float32Array): Float64Array {
    const out = new Float64Array(q.length);
    seqs.forEach((id, b) => {
      const s = this.seqs.get(id)!;
      this.attendRow(s, layer, nHeads, s.tokens.length, q, b * nHeads * this.cfg.headDim, out);
    });
    return out;
  }

  referencePrefill(seq: number, layer: number, pos0: number, nHeads: number, q: Float32Array): Float64Array {
    const out = new Float64Array(q.length);
    const s = this.seqs.get(seq)!;
    const nQ = q.length / (nHeads * this.cfg.headDim);
    for (let t = 0; t < nQ; t++) this.attendRow(s, layer, nHeads, pos0 + t + 1, q, t * nHeads * this.cfg.headDim, out);
    return out;
  }
}

export function randomQ(rnd: () => number, n: number): Float32Array {
  const q = new Float32Array(n);
  for (let i = 0; i < n; i++) q[i] = (rnd() * 2 - 1) * 2;
  return q;
}

// max |a - b| / max |b|: error relative to the output's scale.
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? err : err / scale;
}

export function tolerance(dtype: string): number {
  return dtype === 'fp32' ? 1e-5 : dtype === 'fp16' ? 2e-3 : 1e-2; // bf16 has 8 mantissa bits
}

export function randomTokens(rnd: () => number, n: number, vocab = 50): number[] {
  return Array.from({ length: n }, () => Math.floor(rnd() * vocab));
}

// A random sharing structure: a few base prompts; each sequence takes a random prefix of one
// (sometimes all of it, sometimes none) plus a random suffix (sometimes empty).
export function randomPrompts(rnd: () => number, nSeqs: number, c: number): number[][] {
  const bases = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => randomTokens(rnd, Math.floor(rnd() * 5 * c)));
  return Array.from({ length: nSeqs }, () => {
    const base = bases[Math.floor(rnd() * bases.length)];
    const r = rnd();
    const cut = r < 0.4 ? base.length : r < 0.5 ? 0 : Math.floor(rnd() * (base.length + 1));
    const suffix = rnd() < 0.3 ? [] : randomTokens(rnd, Math.floor(rnd() * 2 * c), 1000);
    const p = [...base.slice(0, cut), ...suffix];
    return p.length > 0 ? p : [1];
  });
}
