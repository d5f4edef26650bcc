#!/usr/bin/env node
// ChunkServe side by side with llama.cpp (node-llama-cpp, prebuilt CPU binary) on identical random
// weights: one random Llama written as a Hugging Face directory for us and as a GGUF file for
// llama.cpp from the same arrays. First checks that both engines give the same next-token
// distributions (fp32 KV here; flash attention off and F32 KV there), then runs the shared-prefix
// workload with 2 threads each: llama.cpp cold and with the prefix state saved beforehand,
// ChunkServe cold and with the prefix pre-warmed; --runs N repeats the four runs N times in turn
// and the table shows medians. See docs/benchmarks.md ("Peers").
//
//   npm run bench:peers [-- --quick] [-- --runs 3] [-- --out results.jsonl]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const native = require('../..');
const { writeRandomLlama } = require('@chunkserve/engine');
const { machineFacts } = require('../machine-facts');
const { chunkserveLogits, chunkserveWorkload } = require('./chunkserve-side');
const { llamaCppLogits, llamaCppWorkload } = require('./llama-cpp-side');
const { writeLlamaGguf } = require('./llama-gguf');
const { compareLogits } = require('./logits-check');
const { loadPeer, PEER_VERSION } = require('./peer-install');
const { Report } = require('./report');
const { MODEL_SPEC, THREADS, prompts, tokens, workloadFor } = require('./workload');

const PEERS_DIR = path.join(__dirname, '../../../bench/.peers'); // git-ignored scratch folder

async function checkLogits(nlc, modelDir, gguf, w, report) {
  const checkPrompts = w.checkPrompts.map((n, i) => tokens(n, 50 + i));
  const ours = await chunkserveLogits(modelDir, MODEL_SPEC, checkPrompts, w.checkSteps);
  const peer = await llamaCppLogits(nlc, gguf, MODEL_SPEC, checkPrompts, ours.map((r) => r.tokens));
  const check = compareLogits(ours, peer);
  report.line({ type: 'logits-check', prompt_tokens: w.checkPrompts, steps: w.checkSteps, chunkserve: 'fp32 KV', llama_cpp: 'flash attention off, F32 KV', ...check });
  if (!check.ok) throw new Error(`ChunkServe and llama.cpp disagree on the same weights: ${check.faults.join('; ')}`);
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const quick = args.includes('--quick');
  const rounds = Number(option('--runs') ?? 1);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--runs takes a positive integer');
  const report = new Report(option('--out'));
  const w = workloadFor(quick);
  const machine = machineFacts(native);
  report.line({ type: 'setup', quick, rounds, model: MODEL_SPEC, workload: w, threads: THREADS, peer: `node-llama-cpp@${PEER_VERSION}`, machine, started: new Date().toISOString() });

  const nlc = await loadPeer(PEERS_DIR);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chunkserve-peers-'));
  try {
    const modelDir = path.join(root, 'hf');
    const gguf = path.join(root, 'model.gguf');
    writeLlamaGguf(gguf, MODEL_SPEC, writeRandomLlama(modelDir, MODEL_SPEC));
    await checkLogits(nlc, modelDir, gguf, w, report);

    const p = prompts(w);
    const workload = `${w.requests} x (${w.prefix} shared + ${w.own} own) tokens, ${w.newTokens} greedy tokens each`;
    for (let round = 1; round <= rounds; round++) {
      const context = { round, workload, threads: THREADS, machine };
      for (const prewarmed of [false, true]) report.run(await llamaCppWorkload(nlc, gguf, MODEL_SPEC, w, p, prewarmed), context);
      for (const prewarm of [false, true]) report.run(await chunkserveWorkload(modelDir, MODEL_SPEC, w, p, prewarm), context);
    }
    console.log(`\n${report.table()}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
