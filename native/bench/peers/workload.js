// What the peer benchmark runs on both engines: the model (issue 13's 98.6M-parameter random
// Llama), the shared-prefix workload, the prompts of the logits check, and the measures taken
// from token arrival times the same way for both.
'use strict';
const { FIRST_FILLER_ID } = require('./llama-gguf');

const MODEL_SPEC = {
  name: 'random-llama-h1024-L8-gqa16-4-f32',
  hidden: 1024,
  layers: 8,
  heads: 16,
  kvHeads: 4,
  intermediate: 2816,
  vocab: 4096,
  maxPositions: 4096,
  ropeTheta: 10000,
  rmsEps: 1e-5,
  dtype: 'F32',
  seed: 1313,
};

const THREADS = 2;

/** The workload: `requests` prompts = one shared prefix + `own` distinct tokens, `newTokens` greedy tokens each. */
function workloadFor(quick) {
  return quick
    ? { prefix: 512, own: 16, requests: 8, newTokens: 8, checkPrompts: [7, 130], checkSteps: 3 }
    : { prefix: 2048, own: 16, requests: 32, newTokens: 32, checkPrompts: [7, 200, 700], checkSteps: 4 };
}

/** Seeded token ids past the special and byte tokens (same ids on both engines). */
function tokens(n, seed, vocab = MODEL_SPEC.vocab) {
  const out = [];
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(FIRST_FILLER_ID + 1 + (s % (vocab - FIRST_FILLER_ID - 1)));
  }
  return out;
}

/** The prompts of a workload: prefix tokens, and each request's full prompt. */
function prompts(w) {
  const prefix = tokens(w.prefix, 1);
  return { prefix, requests: Array.from({ length: w.requests }, (_, i) => [...prefix, ...tokens(w.own, 100 + i)]) };
}

/** KV bytes per token: layers x (K + V) x kvHeads x headDim x element size. */
function kvBytesPerToken(spec, elementBytes) {
  return spec.layers * 2 * spec.kvHeads * (spec.hidden / spec.heads) * elementBytes;
}

/**
 * Records when each sequence's tokens arrive (ms since t0) and turns them into the benchmark's
 * measures: TTFT of every sequence, and batch decode speed once all sequences are decoding.
 */
class TokenClock {
  constructor(sequences) {
    this.t0 = performance.now();
    this.arrivals = Array.from({ length: sequences }, () => []);
    this.tokens = Array.from({ length: sequences }, () => []);
  }
  /** A token of sequence seq arrived (now, or `atMs` after t0). */
  token(seq, tokenId, atMs = performance.now() - this.t0) {
    this.arrivals[seq].push(atMs);
    this.tokens[seq].push(tokenId);
  }
  measures() {
    const ttft = this.arrivals.map((a) => a[0]);
    if (ttft.some((t) => t === undefined)) throw new Error('a sequence produced no token');
    const windowStart = Math.max(...ttft);
    const after = this.arrivals.map((a) => a.filter((t) => t > windowStart));
    const decoded = after.reduce((n, a) => n + a.length, 0);
    const steps = Math.max(...after.map((a) => a.length));
    const windowMs = Math.max(...this.arrivals.map((a) => a[a.length - 1])) - windowStart;
    const sorted = [...ttft].sort((a, b) => a - b);
    return {
      ttft_p50_ms: round(sorted[Math.floor((sorted.length - 1) / 2)]),
      ttft_max_ms: round(sorted[sorted.length - 1]),
      decode_tok_s: decoded && windowMs > 0 ? round((decoded * 1000) / windowMs) : null,
      ms_per_step: steps ? round(windowMs / steps) : null,
      decode_tokens_measured: decoded,
    };
  }
}

const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const mib = (bytes) => round(bytes / 2 ** 20);

module.exports = { MODEL_SPEC, THREADS, workloadFor, tokens, prompts, kvBytesPerToken, TokenClock, round, mib };
