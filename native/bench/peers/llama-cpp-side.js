// llama.cpp's side of the peer benchmark, through node-llama-cpp 3.x (CPU prebuilt binary):
// next-token probabilities for the logits check (flash attention off, F32 KV), the shared-prefix
// workload on its best public path, and a single-sequence prefill. node-llama-cpp cannot share
// KV between sequences; the best it offers is evaluating the prefix once and copying that
// sequence's state into the others (saveStateToFile / loadStateFromFile).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { THREADS, TokenClock, kvBytesPerToken, mib, round, tokens } = require('./workload');

const THREAD_OPTION = { ideal: THREADS, min: THREADS };
const GGML_F32 = 0, GGML_F16 = 1; // GgmlType

/** Stops the run when the context's KV cache is not stored as asked. */
function expectKvType(context, type, name) {
  if (context.kvCacheKeyType !== type || context.kvCacheValueType !== type)
    throw new Error(`llama.cpp context has K/V types ${context.kvCacheKeyType}/${context.kvCacheValueType}, not ${name}`);
}

async function loadModel(nlc, ggufPath) {
  const llama = await nlc.getLlama({ gpu: false, build: 'never', maxThreads: THREADS, logLevel: nlc.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: ggufPath });
  return { llama, model };
}

async function dispose({ llama, model }) {
  await model.dispose();
  await llama.dispose();
}

/** Full next-token log-probabilities after each prompt and after each of `continuations`' tokens fed in turn. */
async function llamaCppLogits(nlc, ggufPath, spec, promptList, continuations) {
  const loaded = await loadModel(nlc, ggufPath);
  try {
    const longest = Math.max(...promptList.map((p, i) => p.length + continuations[i].length));
    const context = await loaded.model.createContext({
      contextSize: longest + 8,
      sequences: 1,
      flashAttention: false,
      threads: THREAD_OPTION,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
    });
    try {
      expectKvType(context, GGML_F32, 'F32');
      const sequence = context.getSequence();
      const out = [];
      for (const [i, prompt] of promptList.entries()) {
        await sequence.clearHistory();
        const r = { tokens: [], logprobs: [] };
        let input = prompt;
        for (let step = 0; step < continuations[i].length; step++) {
          const last = [input[input.length - 1], { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } }];
          const res = await sequence.controlledEvaluate([...input.slice(0, -1), last]);
          const next = res[input.length - 1].next;
          const lp = new Float64Array(spec.vocab).fill(-Infinity);
          for (const [id, prob] of next.probabilities) lp[id] = Math.log(prob);
          r.tokens.push(next.token);
          r.logprobs.push(lp);
          input = [continuations[i][step]];
        }
        out.push(r);
      }
      return out;
    } finally {
      await context.dispose();
    }
  } finally {
    await dispose(loaded);
  }
}

/**
 * The workload in one context of `requests` sequences (contextSize is per sequence in
 * node-llama-cpp 3.x). cold: at t0 the prefix is evaluated on sequence 0, its state saved and
 * loaded into the others. prewarmed: that evaluation and save happened before t0 (llama.cpp's
 * pre-warming, as its server's slot save/restore), at t0 the state is only loaded.
 */
async function llamaCppWorkload(nlc, ggufPath, spec, w, p, prewarmed) {
  const loaded = await loadModel(nlc, ggufPath);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunkserve-peers-state-'));
  const stateFile = path.join(stateDir, 'prefix.bin');
  try {
    const context = await loaded.model.createContext({ contextSize: w.prefix + w.own + w.newTokens + 8, sequences: w.requests, threads: THREAD_OPTION });
    try {
      expectKvType(context, GGML_F16, 'F16');
      const sequences = Array.from({ length: w.requests }, () => context.getSequence());
      if (prewarmed) await saveState(sequences[0], p.prefix, stateFile);
      const clock = new TokenClock(w.requests);
      if (!prewarmed) await saveState(sequences[0], p.prefix, stateFile);
      for (const s of sequences.slice(1)) await s.loadStateFromFile(stateFile, { acceptRisk: true });
      await generateInLockStep(sequences, p.requests.map((r) => r.slice(w.prefix)), w.newTokens, clock);
      const kvBytes = context.getAllocatedContextSize() * kvBytesPerToken(spec, 2);
      const cells = `${context.getAllocatedContextSize()} cells, F16 KV, flash attention ${context.flashAttention}`;
      return {
        engine: 'llama.cpp',
        variant: prewarmed ? 'prefix state pre-saved' : 'cold',
        method: `node-llama-cpp: one context, ${w.requests} sequences (${cells}); ${prewarmed ? 'prefix state saved before t0, ' : 'prefix evaluated once on sequence 0, '}state copied with saveStateToFile/loadStateFromFile`,
        ...clock.measures(),
        kv_mib: mib(kvBytes),
        kv_allocated_mib: mib(kvBytes),
        prefill_tok_s: await timePrefill(loaded.model, w.prefix),
        tokens: clock.tokens,
      };
    } finally {
      await context.dispose();
    }
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
    await dispose(loaded);
  }
}

async function saveState(sequence, prefix, file) {
  await sequence.evaluateWithoutGeneratingNewTokens(prefix);
  await sequence.saveStateToFile(file);
}

/**
 * Greedy decoding of every sequence after its own prompt tokens, in lock step: each step queues
 * all sequences' inputs at once, so node-llama-cpp decodes them in one batch (its per-sequence
 * evaluate() generators resume at different times and split the batch).
 */
async function generateInLockStep(sequences, owns, n, clock) {
  const next = { generateNext: { token: true, options: { temperature: 0 } } };
  let inputs = owns.map((own) => [...own.slice(0, -1), [own[own.length - 1], next]]);
  for (let step = 0; step < n; step++) {
    const picked = await Promise.all(
      sequences.map(async (s, i) => {
        const out = await s.controlledEvaluate(inputs[i]);
        const token = out[inputs[i].length - 1].next.token;
        clock.token(i, token);
        return token;
      }),
    );
    inputs = picked.map((token) => [[token, next]]);
  }
}

/** One sequence's prefill of `n` tokens in a context of its own. */
async function timePrefill(model, n) {
  const context = await model.createContext({ contextSize: n + 8, sequences: 1, threads: THREAD_OPTION });
  try {
    const t0 = performance.now();
    await context.getSequence().evaluateWithoutGeneratingNewTokens(tokens(n, 7));
    return round((n * 1000) / (performance.now() - t0));
  } finally {
    await context.dispose();
  }
}

module.exports = { llamaCppLogits, llamaCppWorkload };
