// ChunkServe's side of the peer benchmark, through @chunkserve/engine's LlmEngine: next-token
// log-probabilities for the logits check, the shared-prefix workload (cold and with the prefix
// pre-warmed) and a single-sequence prefill.
'use strict';
const { LlmEngine } = require('@chunkserve/engine');
const { THREADS, TokenClock, kvBytesPerToken, mib, round, tokens } = require('./workload');

const CHUNK = 64;
const NAMESPACE = 'bench';

function load(modelDir, spec, kvDtype, poolTokens, maxBatch) {
  const kvCacheBytes = Math.ceil(poolTokens / CHUNK) * CHUNK * kvBytesPerToken(spec, kvDtype === 'fp32' ? 4 : 2);
  return LlmEngine.load({ dataDir: modelDir, modelPath: modelDir, threads: THREADS, maxBatch, kvDtype, chunkSize: CHUNK, kvCacheBytes });
}

/** Greedy continuation of each prompt: the generated tokens and every step's full log-probabilities. */
async function chunkserveLogits(modelDir, spec, promptList, steps) {
  const longest = Math.max(...promptList.map((p) => p.length));
  const engine = await load(modelDir, spec, 'fp32', promptList.length * (longest + steps + 2 * CHUNK), 1);
  try {
    const out = [];
    for (const [i, prompt] of promptList.entries()) {
      const r = { tokens: [], logprobs: [] };
      const request = { namespace: `check-${i}`, promptTokens: prompt, maxTokens: steps, temperature: 0, stopAtEos: false, topLogprobs: spec.vocab };
      for await (const e of engine.generate(request)) {
        if (e.type !== 'token') continue;
        const lp = new Float64Array(spec.vocab).fill(-Infinity);
        for (const t of e.topLogprobs) lp[t.tokenId] = t.logprob;
        r.tokens.push(e.tokenId);
        r.logprobs.push(lp);
      }
      out.push(r);
    }
    return out;
  } finally {
    await engine.close();
  }
}

/** The workload on a fresh engine; with prewarm, the prefix is pre-warmed (pinned) before t0. */
async function chunkserveWorkload(modelDir, spec, w, p, prewarm) {
  const poolTokens = 2 * w.prefix + w.requests * (w.own + w.newTokens + 2 * CHUNK);
  const engine = await load(modelDir, spec, 'fp16', poolTokens, w.requests);
  try {
    if (prewarm) await engine.prewarm(NAMESPACE, p.prefix);
    let kvBytes = 0;
    let started = 0;
    const clock = new TokenClock(w.requests);
    await Promise.all(
      p.requests.map(async (prompt, i) => {
        const request = { namespace: NAMESPACE, promptTokens: prompt, maxTokens: w.newTokens, temperature: 0, stopAtEos: false };
        for await (const e of engine.generate(request)) {
          if (e.type !== 'token') continue;
          clock.token(i, e.tokenId);
          if (clock.tokens[i].length === 1 && ++started === w.requests) kvBytes = engine.stats().bytesInUse;
        }
      }),
    );
    const prefill = await timePrefill(engine, w.prefix);
    return {
      engine: 'chunkserve',
      variant: prewarm ? 'prefix pre-warmed' : 'cold',
      method: `LlmEngine: prefix-tree KV cache + TPP decode, maxBatch ${w.requests}, fp16 KV, chunk ${CHUNK}${prewarm ? ', prefix prewarm()ed before t0' : ''}`,
      ...clock.measures(),
      kv_mib: mib(kvBytes),
      kv_allocated_mib: mib(engine.stats().chunkBytes * engine.stats().capacityChunks),
      prefill_tok_s: prefill,
      tokens: clock.tokens,
    };
  } finally {
    await engine.close();
  }
}

/** One sequence's prefill of `n` new tokens (a pre-warm of a prompt nothing else shares). */
async function timePrefill(engine, n) {
  const t0 = performance.now();
  await engine.prewarm('single-prefill', tokens(n, 7));
  return round((n * 1000) / (performance.now() - t0));
}

module.exports = { chunkserveLogits, chunkserveWorkload };
