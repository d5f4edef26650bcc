#!/usr/bin/env node
// The peer benchmark's decode phase alone, for a profiler: the 98.6M-parameter random Llama,
// a pre-warmed 2048-token prefix and 32 sequences decoding NEW tokens (default 160) each. Prints
// "PROFILE_NOW" once every sequence decodes, then tokens/s and ms/step. For example:
//   node native/bench/peers/decode-profile.js & (wait for PROFILE_NOW) perf record -g -p $! -- sleep 6
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { LlmEngine, writeRandomLlama } = require('@chunkserve/engine');
const { MODEL_SPEC, THREADS, prompts, workloadFor } = require('./workload');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunkserve-decode-profile-'));
  writeRandomLlama(dir, MODEL_SPEC);
  const newTokens = Number(process.env.NEW ?? 160);
  const p = prompts(workloadFor(false));
  const engine = await LlmEngine.load({ dataDir: dir, modelPath: dir, threads: THREADS, maxBatch: p.requests.length, kvDtype: 'fp16', chunkSize: 64, kvCacheBytes: 256 << 20 });
  try {
    await engine.prewarm('bench', p.prefix);
    let tokens = 0;
    let decodeStart = 0;
    await Promise.all(
      p.requests.map(async (prompt) => {
        for await (const e of engine.generate({ namespace: 'bench', promptTokens: prompt, maxTokens: newTokens, temperature: 0, stopAtEos: false })) {
          if (e.type === 'token' && ++tokens === p.requests.length) {
            decodeStart = performance.now();
            console.error('PROFILE_NOW');
          }
        }
      }),
    );
    const ms = performance.now() - decodeStart;
    const decoded = tokens - p.requests.length;
    console.error(`decode: ${decoded} tokens in ${ms.toFixed(0)} ms = ${(decoded / (ms / 1000)).toFixed(1)} tok/s, ${(ms / (newTokens - 1)).toFixed(1)} ms/step`);
  } finally {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
