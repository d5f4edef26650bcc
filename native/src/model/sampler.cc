#include "model/sampler.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <stdexcept>

namespace chunkserve {
namespace {

// NaN -> -inf and +inf -> FLT_MAX, so that comparisons (and std::sort's strict weak order) hold;
// throws when nothing finite is left (a broken model must not pick a token at random).
void sanitize(float* logits, int vocab) {
  bool any = false;
  for (int i = 0; i < vocab; ++i) {
    float& l = logits[i];
    if (std::isnan(l)) l = -INFINITY;
    else if (l == INFINITY) l = FLT_MAX;
    any = any || l != -INFINITY;
  }
  if (!any) throw std::runtime_error("the model produced no finite logits");
}

// log(sum(exp(x))) over the logits, stable.
double log_sum_exp(const float* x, int n) {
  float m = x[0];
  for (int i = 1; i < n; ++i) m = std::max(m, x[i]);
  double s = 0;
  for (int i = 0; i < n; ++i) s += std::exp(double(x[i]) - m);
  return m + std::log(s);
}

}  // namespace

Sampler::Sampler(const SamplingParams& params, uint64_t seed) : p_(params), rng_(seed) {}

void Sampler::add_prompt(const std::vector<int32_t>& tokens) {
  for (int32_t t : tokens) seen_[t] = true;
}

SampleResult Sampler::sample(float* logits, int vocab) {
  SampleResult out;
  sanitize(logits, vocab);
  // Log-probabilities are reported for the model's own distribution (before penalties and
  // temperature), as vLLM does by default.
  const bool want_lp = p_.logprobs || p_.top_logprobs > 0;
  const double lse = want_lp ? log_sum_exp(logits, vocab) : 0.0;
  if (p_.top_logprobs > 0) {
    scratch_.resize(vocab);
    for (int i = 0; i < vocab; ++i) scratch_[i] = {logits[i], i};
    const int k = std::min(p_.top_logprobs, vocab);
    std::partial_sort(scratch_.begin(), scratch_.begin() + k, scratch_.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    for (int i = 0; i < k; ++i) out.top.push_back({scratch_[i].second, float(scratch_[i].first - lse)});
  }
  std::vector<float> raw;
  if (want_lp) raw.assign(logits, logits + vocab);

  if (p_.repetition_penalty != 1.f)
    for (const auto& [tok, _] : seen_) {
      if (tok < 0 || tok >= vocab) continue;
      float& l = logits[tok];
      l = l > 0 ? l / p_.repetition_penalty : l * p_.repetition_penalty;
    }
  if (p_.frequency_penalty != 0.f || p_.presence_penalty != 0.f)
    for (const auto& [tok, count] : generated_counts_) {
      if (tok < 0 || tok >= vocab) continue;
      logits[tok] -= p_.frequency_penalty * count + p_.presence_penalty;
    }

  int32_t chosen = 0;
  if (p_.temperature <= 0.f || p_.top_k == 1) {
    for (int i = 1; i < vocab; ++i)
      if (logits[i] > logits[chosen]) chosen = i;  // ties: lowest id
  } else {
    scratch_.resize(vocab);
    for (int i = 0; i < vocab; ++i) scratch_[i] = {logits[i] / p_.temperature, i};
    auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
    int n = vocab;
    if (p_.top_k > 0 && p_.top_k < vocab) {
      std::partial_sort(scratch_.begin(), scratch_.begin() + p_.top_k, scratch_.end(), by_logit);
      n = p_.top_k;
    } else {
      std::sort(scratch_.begin(), scratch_.end(), by_logit);
    }
    // Softmax over the n survivors (sorted, largest first), then the nucleus.
    const float m = scratch_[0].first;
    std::vector<double> prob(n);  // [n]
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += prob[i] = std::exp(double(scratch_[i].first) - m);
    int keep = n;
    if (p_.top_p < 1.f) {
      double acc = 0;
      for (int i = 0; i < n; ++i) {
        acc += prob[i] / sum;
        if (acc >= p_.top_p) { keep = i + 1; break; }
      }
    }
    double total = 0;
    for (int i = 0; i < keep; ++i) total += prob[i];
    std::uniform_real_distribution<double> uni(0.0, total);
    double r = uni(rng_), acc = 0;
    chosen = scratch_[keep - 1].second;
    for (int i = 0; i < keep; ++i) {
      acc += prob[i];
      if (r < acc) { chosen = scratch_[i].second; break; }
    }
  }
  out.token = chosen;
  if (want_lp) out.logprob = float(raw[chosen] - lse);
  generated_counts_[chosen] += 1;
  seen_[chosen] = true;
  return out;
}

}  // namespace chunkserve
