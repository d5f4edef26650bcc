#!/usr/bin/env node
// GEMM benchmark of the linear layers (model/gemm.h): GFLOPS as a fraction of this machine's
// FMA peak at prefill sizes, and weight bytes streamed per second as a fraction of its read
// bandwidth at decode sizes, for fp32 / fp16 / bf16 weights. Both limits are measured in the
// same run (native.machineLimits). `npm run bench:gemm [-- --quick]`; one JSON line per row
// ('measured' as it goes, then 'limits' and a 'result' line per row with its fractions).
'use strict';
const native = require('../index.js');
const { machineFacts } = require('./machine-facts');

const quick = process.argv.includes('--quick');
const facts = machineFacts(native);
console.log(JSON.stringify({ machine: facts }));
const SHAPES = [
  // the 98.6M-parameter peer-benchmark Llama (hidden 1024, ffn 2816) and a 1B-class layer
  { name: 'h1024 gate/up', rows: 2816, cols: 1024, mode: 'swiglu' },
  { name: 'h1024 down', rows: 1024, cols: 2816, mode: 'store' },
  { name: 'h2048 q', rows: 2048, cols: 2048, mode: 'store' },
];
const TOKENS = quick ? [1, 32, 512] : [1, 4, 16, 32, 64, 128, 512];
const DTYPES = quick ? ['fp32', 'bf16'] : ['fp32', 'fp16', 'bf16'];

// The machine's limits swing on a shared host (another VM on the same cores halves the FMA rate
// for minutes), so they are probed again between groups of rows, and every fraction is taken
// against the best probe of the whole run: conservative, never flattering.
const probes = [facts.limits];
const probe = () => {
  const l = native.machineLimits(128 << 20, 3);
  probes.push({ fma_gflops: round(l.fmaGflops, 10), read_GBps: round(l.readGBps, 10) });
};
const rows = [];
for (const shape of SHAPES)
  for (const dtype of DTYPES) {
    probe();
    for (const tokens of TOKENS) {
      const r = native.gemmBench({ tokens, rows: shape.rows, cols: shape.cols, dtype, mode: shape.mode, reps: quick ? 3 : 7 });
      const row = { shape: shape.name, dtype, tokens, ms: round(r.seconds * 1e3, 100), gflops: round(r.gflops, 10), weight_GBps: round(r.weightGBps, 10) };
      rows.push(row);
      console.log(JSON.stringify({ type: 'measured', ...row }));
    }
  }
probe();
const best = { fma_gflops: Math.max(...probes.map((p) => p.fma_gflops)), read_GBps: Math.max(...probes.map((p) => p.read_GBps)) };
console.log(JSON.stringify({ type: 'limits', probes: probes.map((p) => [p.fma_gflops, p.read_GBps]), best }));
for (const r of rows)
  console.log(
    JSON.stringify({
      type: 'result',
      ...r,
      fma_peak_fraction: round(r.gflops / best.fma_gflops, 1000),
      read_bandwidth_fraction: round(r.weight_GBps / best.read_GBps, 1000),
    }),
  );

function round(x, scale) {
  return Math.round(x * scale) / scale;
}
