#!/usr/bin/env node
// End-to-end benchmark of the model runtime: 32 concurrent requests sharing a long system prompt
// (1024 and 2048 tokens) with short distinct user messages, on the demo model and on a larger
// random Llama. Measures decode tokens/s of the whole batch and time to first token with prefix
// sharing on (chunk cache + TPP decode) and off (private KV per sequence + baseline decode), and
// TTFT of one request with a pre-warmed versus a cold system prompt (medians of 5 requests each).
//
//   npm run bench:e2e [-- --quick] [-- --out file.jsonl]
// Prints one JSON object per line. Weights are random (the benchmark measures speed only).
// --quick (under two minutes on 2 cores) measures fewer decode steps and skips the larger
// model's sharing-off runs, whose 32 private prefills of up to 2048 tokens take minutes on a CPU.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');

// Use this checkout's addon (git worktrees share node_modules, and so @chunkserve/native).
const nativeDir = path.join(__dirname, '../../../native');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === '@chunkserve/native' ? nativeDir : request, ...rest);
};
const { LlmEngine, DEMO_SPEC, writeRandomLlama } = require('../dist');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIdx = args.indexOf('--out');
const outFile = outIdx >= 0 ? args[outIdx + 1] : null;
const BATCH = 32;
const SHARED = [1024, 2048];
const DECODE_STEPS = quick ? 16 : 48; // decode tokens per sequence measured once all 32 run
const CHUNK = 64;

const LARGE_SPEC = { hidden: 1024, layers: 2, heads: 16, kvHeads: 16, intermediate: 2816, maxPositions: 4096, seed: 99, dtype: 'BF16' };
const MODELS = [
  { name: 'demo-random-llama (h256 L4 GQA 4/2, fp32)', spec: DEMO_SPEC },
  { name: 'random-llama-h1024 (L2 MHA 16 heads, bf16)', spec: LARGE_SPEC },
];

function emit(obj) {
  const line = JSON.stringify(obj);
  console.log(line);
  if (outFile) fs.appendFileSync(outFile, line + '\n');
}

function tokens(n, seed) {
  const out = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(32 + ((s >>> 24) % 95)); // printable bytes
  }
  return out;
}

function kvBytesPerToken(spec) {
  return spec.layers * 2 * spec.kvHeads * (spec.hidden / spec.heads) * 4; // fp32 KV
}

async function load(dir, spec, sharing, promptLen) {
  // Room for every sequence's private prompt and completion (sharing off needs all of it).
  const perSeq = Math.ceil((promptLen + DECODE_STEPS * 8 + 64) / CHUNK) + 2;
  const kvCacheBytes = BATCH * perSeq * CHUNK * kvBytesPerToken(spec);
  return LlmEngine.load({ dataDir: dir, modelPath: dir, sharing, chunkSize: CHUNK, kvCacheBytes, maxBatch: BATCH, prefillChunk: 512 });
}

// 32 requests at once; TTFT per request; then decode throughput while all 32 decode.
async function batchRun(engine, model, shared, sharing) {
  const system = tokens(shared, 1000 + shared);
  const t0 = performance.now();
  const firstAt = new Array(BATCH).fill(0);
  const ttft = [], cached = [];
  let started = 0, windowStart = 0, windowTokens = 0, windowEnd = 0, bytesInUse = 0;
  const aborts = [];
  const runs = [];
  for (let i = 0; i < BATCH; i++) {
    const ac = new AbortController();
    aborts.push(ac);
    const prompt = [...system, ...tokens(12 + (i % 7), i)];
    runs.push(
      (async () => {
        for await (const e of engine.generate({ namespace: 'bench', promptTokens: prompt, maxTokens: 100000, temperature: 0, stopAtEos: false }, ac.signal)) {
          if (e.type === 'done') {
            ttft[i] = e.timings.ttftMs;
            cached[i] = e.usage.cachedTokens;
            continue;
          }
          const now = performance.now();
          if (!firstAt[i]) {
            firstAt[i] = now;
            if (++started === BATCH) {
              windowStart = now;
              bytesInUse = engine.stats().bytesInUse;
            }
            continue;
          }
          if (windowStart && !windowEnd) {
            windowTokens++;
            if (windowTokens >= BATCH * DECODE_STEPS) {
              windowEnd = now;
              aborts.forEach((a) => a.abort());
            }
          }
        }
      })(),
    );
  }
  await Promise.all(runs);
  const wall = performance.now() - t0;
  const sorted = ttft.slice().sort((a, b) => a - b);
  emit({
    model: model.name,
    batch: BATCH,
    shared,
    method: sharing ? 'chunk-cache+tpp (sharing on)' : 'private-kv+baseline (sharing off)',
    sharing,
    decode_tokens_per_s: +(windowTokens / ((windowEnd - windowStart) / 1000)).toFixed(1),
    ttft_ms: +(ttft.reduce((a, b) => a + b, 0) / BATCH).toFixed(1),
    ttft_p50_ms: +sorted[BATCH >> 1].toFixed(1),
    ttft_max_ms: +sorted[BATCH - 1].toFixed(1),
    cached_tokens_mean: Math.round(cached.reduce((a, b) => a + b, 0) / BATCH),
    kv_bytes_in_use: bytesInUse,
    decode_tokens_measured: windowTokens,
    wall_s: +(wall / 1000).toFixed(2),
  });
}

// TTFT of one request: cold (nothing cached) versus after prewarm() of its system prompt. Each is
// the median of TTFT_SAMPLES requests (fresh namespaces for cold ones, distinct own tokens for
// warm ones): a single pre-warmed request takes 2-20 ms here and one sample swung 3x between runs.
const TTFT_SAMPLES = 5;
async function prewarmRun(engine, model, shared) {
  const system = tokens(shared, 5000 + shared);
  const one = async (ns, seed) => {
    let ttft = 0, cachedTokens = 0;
    for await (const e of engine.generate({ namespace: ns, promptTokens: [...system, ...tokens(16, seed)], maxTokens: 1, temperature: 0, stopAtEos: false }))
      if (e.type === 'done') {
        ttft = e.timings.ttftMs;
        cachedTokens = e.usage.cachedTokens;
      }
    return { ttft, cachedTokens };
  };
  const medianOf = async (request) => {
    const runs = [];
    for (let i = 0; i < TTFT_SAMPLES; i++) runs.push(await request(i));
    const sorted = runs.map((r) => r.ttft).sort((x, y) => x - y);
    return { ttft: sorted[TTFT_SAMPLES >> 1], samples: runs.map((r) => +r.ttft.toFixed(2)), cachedTokens: Math.min(...runs.map((r) => r.cachedTokens)) };
  };
  const cold = await medianOf((i) => one(`cold-${shared}-${i}`, 1 + i));
  const t0 = performance.now();
  const pw = await engine.prewarm('warm', system);
  const prewarmMs = performance.now() - t0;
  const warm = await medianOf((i) => one('warm', 100 + i));
  for (const [method, r] of [['cold', cold], ['prewarmed', warm]])
    emit({ model: model.name, batch: 1, shared, method, sharing: true, decode_tokens_per_s: null, ttft_ms: +r.ttft.toFixed(2), ttft_samples_ms: r.samples, cached_tokens: r.cachedTokens, ...(method === 'prewarmed' ? { prewarm_ms: +prewarmMs.toFixed(1), prewarm_chunks: pw.chunks } : {}) });
  emit({ model: model.name, batch: 1, shared, method: 'prewarm-speedup', ttft_cold_over_prewarmed: +(cold.ttft / warm.ttft).toFixed(1) });
}

(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chunkserve-bench-e2e-'));
  emit({ machine: `${os.cpus().length} x ${os.cpus()[0].model}`, node: process.version, quick, batch: BATCH, decode_steps: DECODE_STEPS, chunk: CHUNK, started: new Date().toISOString() });
  try {
    for (const model of MODELS) {
      const dir = path.join(root, model.spec === DEMO_SPEC ? 'demo' : 'large');
      writeRandomLlama(dir, model.spec);
      for (const shared of SHARED) {
        for (const sharing of quick && model.spec !== DEMO_SPEC ? [true] : [true, false]) {
          const engine = await load(dir, model.spec, sharing, shared + 32);
          try {
            await batchRun(engine, model, shared, sharing);
            if (sharing) await prewarmRun(engine, model, shared);
          } finally {
            await engine.close();
          }
        }
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
