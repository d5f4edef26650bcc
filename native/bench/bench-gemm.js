#!/usr/bin/env node
// GEMM benchmark of the linear layers (model/gemm.h): GFLOPS as a fraction of this machine's
// FMA peak at prefill sizes, and weight bytes streamed per second as a fraction of its read
// bandwidth at decode sizes, for fp32 / fp16 / bf16 weights. Both limits are measured in the
// same run (native.machineLimits). `npm run bench:gemm [-- --quick]`; one JSON line per row.
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
for (const shape of SHAPES)
  for (const dtype of DTYPES)
    for (const tokens of TOKENS) {
      const r = native.gemmBench({ tokens, rows: shape.rows, cols: shape.cols, dtype, mode: shape.mode, reps: quick ? 3 : 7 });
      console.log(
        JSON.stringify({
          shape: shape.name,
          dtype,
          tokens,
          ms: Math.round(r.seconds * 1e5) / 100,
          gflops: Math.round(r.gflops * 10) / 10,
          fma_peak_fraction: Math.round((r.gflops / facts.limits.fma_gflops) * 1000) / 1000,
          weight_GBps: Math.round(r.weightGBps * 10) / 10,
          read_bandwidth_fraction: Math.round((r.weightGBps / facts.limits.read_GBps) * 1000) / 1000,
        }),
      );
    }
