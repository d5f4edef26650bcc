#!/usr/bin/env node
// One measurement of CPU decode attention with a given build of the addon, for A/B runs of two
// builds (run them alternately, several times each):
//   node native/bench/ab/decode-attention.js [--addon path/to/chunkserve.node] shared   # TPP: GFLOPS of phase 1 and of the step
//   node native/bench/ab/decode-attention.js [--addon ...] unshared                     # baseline: K/V read GB/s
// shared: 32 sequences sharing a 2048-token prompt, 16 layers rotated; unshared: 32 sequences
// of 1024 own tokens each, 2 layers rotated (0.5 GiB a layer). 32 heads, head_dim 128, chunk 64, fp16.
'use strict';
const path = require('path');
const argv = process.argv.slice(2);
const at = argv.indexOf('--addon');
const native = require(at >= 0 ? path.resolve(argv[at + 1]) : '../../index.js');
const mode = argv.includes('unshared') ? 'unshared' : 'shared';

const HEADS = 32, HD = 128, CHUNK = 64, BATCH = 32;
const LEN = mode === 'shared' ? 2048 : 1024;
const N_LAYERS = mode === 'shared' ? 16 : 2;
const chunks = (mode === 'shared' ? LEN / CHUNK : 0) + BATCH * (LEN / CHUNK + 1) + 4;
const cache = new native.KvCache({ nLayers: N_LAYERS, nKvHeads: HEADS, headDim: HD, chunkSize: CHUNK, dtype: 'fp16', poolBytes: chunks * CHUNK * HEADS * HD * 4 * N_LAYERS });
const kv = Float32Array.from({ length: 256 * HEADS * HD }, () => Math.random() * 2 - 1);
const seqs = [];
for (let b = 0; b < BATCH; b++) {
  const r = cache.insert(mode === 'shared' ? 'shared' : `seq-${b}`, Int32Array.from({ length: LEN }, (_, i) => i));
  for (let l = 0; l < N_LAYERS; l++)
    for (let pos = r.cachedTokens; pos < LEN; pos += 256) {
      const part = kv.subarray(0, Math.min(256, LEN - pos) * HEADS * HD);
      cache.writeKV(r.seq, l, pos, part, part);
    }
  cache.markComputed(r.seq);
  seqs.push(r.seq);
}
const q = Float32Array.from({ length: BATCH * HEADS * HD }, () => Math.random() * 2 - 1);
const out = new Float32Array(q.length);
const method = mode === 'shared' ? 'tpp' : 'baseline';
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
const kvBytes = BATCH * LEN * HEADS * HD * 2 * 2;
console.log(JSON.stringify(mode === 'shared'
  ? { mode, us_per_step: +(mid.ns / 1e3).toFixed(1), step_gflops: +(flops / mid.ns).toFixed(1), phase1_gflops: +(flops / mid.phase1Ns).toFixed(1) }
  : { mode, us_per_step: +(mid.ns / 1e3).toFixed(1), kv_read_GBps: +(kvBytes / mid.ns).toFixed(1) }));
cache.dispose();
