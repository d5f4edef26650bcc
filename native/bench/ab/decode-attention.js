#!/usr/bin/env node
// One measurement of CPU decode attention with a given build of the addon, for A/B runs of two
// builds (run them alternately, several times each):
//   node native/bench/ab/decode-attention.js [--addon path/to/chunkserve.node] shared   # TPP: GFLOPS of phase 1 and of the step
//   node native/bench/ab/decode-attention.js [--addon ...] unshared                     # baseline: K/V read GB/s
//   node native/bench/ab/decode-attention.js [--addon ...] peer [--own N]               # TPP in the peer model's decode steps
// shared: 32 sequences sharing a 2048-token prompt, 16 layers rotated; unshared: 32 sequences
// of 1024 own tokens each, 2 layers rotated (0.5 GiB a layer); both 32 heads, head_dim 128.
// peer: the attention of bench:peers' decode steps (16 query heads on 4 KV heads, head_dim 64,
// 8 layers; 32 sequences sharing 2048 tokens, each with N own tokens after them, default 40).
// Chunk 64, fp16.
'use strict';
const path = require('path');
const argv = process.argv.slice(2);
const at = argv.indexOf('--addon');
const native = require(at >= 0 ? path.resolve(argv[at + 1]) : '../../index.js');
const mode = argv.includes('unshared') ? 'unshared' : argv.includes('peer') ? 'peer' : 'shared';

const peer = mode === 'peer';
const HEADS = peer ? 16 : 32, KV_HEADS = peer ? 4 : 32, HD = peer ? 64 : 128, CHUNK = 64, BATCH = 32;
const ownAt = argv.indexOf('--own');
const SHARED = mode === 'unshared' ? 0 : 2048, OWN = peer ? (ownAt >= 0 ? Number(argv[ownAt + 1]) : 40) : 0;
const LEN = mode === 'unshared' ? 1024 : SHARED + OWN;
const N_LAYERS = { shared: 16, unshared: 2, peer: 8 }[mode];
const chunks = SHARED / CHUNK + BATCH * ((LEN - SHARED) / CHUNK + 2) + 4;
const cache = new native.KvCache({ nLayers: N_LAYERS, nKvHeads: KV_HEADS, headDim: HD, chunkSize: CHUNK, dtype: 'fp16', poolBytes: chunks * CHUNK * KV_HEADS * HD * 4 * N_LAYERS });
const kv = Float32Array.from({ length: 256 * KV_HEADS * HD }, () => Math.random() * 2 - 1);
const seqs = [];
for (let b = 0; b < BATCH; b++) {
  // the first SHARED tokens are the same for every sequence, the rest its own
  const tokens = Int32Array.from({ length: LEN }, (_, i) => (i < SHARED || mode === 'unshared' ? i : 100000 * (b + 1) + i));
  const r = cache.insert(mode === 'unshared' ? `seq-${b}` : 'shared', tokens);
  for (let l = 0; l < N_LAYERS; l++)
    for (let pos = r.cachedTokens; pos < LEN; pos += 256) {
      const part = kv.subarray(0, Math.min(256, LEN - pos) * KV_HEADS * HD);
      cache.writeKV(r.seq, l, pos, part, part);
    }
  cache.markComputed(r.seq);
  seqs.push(r.seq);
}
const q = Float32Array.from({ length: BATCH * HEADS * HD }, () => Math.random() * 2 - 1);
const out = new Float32Array(q.length);
const method = mode === 'unshared' ? 'baseline' : 'tpp';
const STEPS = 20;
const runs = [];
for (let rep = 0; rep < 5; rep++) {
  const s0 = cache.decodeStats(method);
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < STEPS; s++) cache.decodeAttention(seqs, s % N_LAYERS, q, { method, out });
  const ns = Number(process.hrtime.bigint() - t0) / STEPS;
  runs.push({ ns, phase1Ns: (cache.decodeStats(method).phase1Ns - s0.phase1Ns) / STEPS });
}
runs.sort((a, b) => a.ns - b.ns);
const mid = runs[2];
const flops = 4 * BATCH * HEADS * HD * LEN;
const phase1Flops = 4 * BATCH * HEADS * HD * SHARED;
const kvBytes = BATCH * LEN * KV_HEADS * HD * 2 * 2;
console.log(JSON.stringify(mode !== 'unshared'
  ? { mode, us_per_step: +(mid.ns / 1e3).toFixed(1), step_gflops: +(flops / mid.ns).toFixed(1), phase1_gflops: +(phase1Flops / mid.phase1Ns).toFixed(1), phase2_us: +((mid.ns - mid.phase1Ns) / 1e3).toFixed(1) }
  : { mode, us_per_step: +(mid.ns / 1e3).toFixed(1), kv_read_GBps: +(kvBytes / mid.ns).toFixed(1) }));
cache.dispose();
