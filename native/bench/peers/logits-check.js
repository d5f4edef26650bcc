// Compares two engines' next-token log-probabilities on the same prompts and continuations. The
// error of one distribution is max |a - b| over the vocabulary relative to max |b| (log-softmax
// removes the constant a logit vector may be shifted by). The greedy tokens both engines picked
// are counted too (near-ties may differ; the error bound is what must hold).
'use strict';

const MAX_RELATIVE_ERROR = 1e-4;

/** ours / peer: per prompt { tokens, logprobs: Float64Array[] } (see chunkserve-side, llama-cpp-side). */
function compareLogits(ours, peer) {
  let worst = 0, maxAbs = 0, distributions = 0, sameGreedy = 0;
  const faults = [];
  ours.forEach((o, p) => {
    o.logprobs.forEach((a, step) => {
      const b = peer[p]?.logprobs[step];
      if (!b || b.length !== a.length) return faults.push(`prompt ${p} step ${step}: no distribution of ${a.length} tokens from the peer`);
      let diff = 0, scale = 0;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(b[i]));
      }
      const rel = Number.isFinite(diff) && scale > 0 ? diff / scale : Infinity;
      worst = Math.max(worst, rel);
      maxAbs = Math.max(maxAbs, diff);
      distributions++;
      if (o.tokens[step] === peer[p].tokens[step]) sameGreedy++;
    });
  });
  if (distributions === 0) faults.push('nothing compared');
  if (!(worst <= MAX_RELATIVE_ERROR)) faults.push(`max relative log-probability error ${worst.toExponential(2)} > ${MAX_RELATIVE_ERROR}`);
  return { ok: faults.length === 0, distributions, same_greedy_tokens: sameGreedy, max_relative_error: worst, max_abs_logprob_error: maxAbs, faults };
}

module.exports = { compareLogits, MAX_RELATIVE_ERROR };
