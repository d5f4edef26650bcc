// The sampler: penalties, temperature, top-k/p, seeded draws; NaN logits never corrupt it.
#include <cmath>

#include "check.h"
#include "model/sampler.h"
#include "test_random.h"

using namespace chunkserve;

TEST_CASE("greedy picks the largest logit; NaN counts as -inf, +inf as the largest finite") {
  SamplingParams greedy;
  greedy.temperature = 0;
  Sampler s(greedy, 1);
  std::vector<float> logits{0.5f, NAN, 2.f, 1.f};
  CHECK_EQ(s.sample(logits.data(), 4).token, 2);
  std::vector<float> inf{0.5f, INFINITY, NAN, 3.f};
  CHECK_EQ(s.sample(inf.data(), 4).token, 1);
}

TEST_CASE("random sampling with NaN logits stays within the finite ones, top-k and top-p too") {
  for (int variant = 0; variant < 3; ++variant) {
    SamplingParams p;
    p.temperature = 0.8f;
    p.top_k = variant == 1 ? 3 : 0;
    p.top_p = variant == 2 ? 0.9f : 1.f;
    p.logprobs = true;
    p.top_logprobs = 2;
    Sampler s(p, 42 + variant);
    check::Rng r(variant);
    for (int i = 0; i < 200; ++i) {
      std::vector<float> logits = check::random_floats(r, 16, 3.f);
      for (int k = 0; k < 16; k += 3) logits[k] = NAN;  // 0, 3, 6, 9, 12, 15
      const SampleResult out = s.sample(logits.data(), 16);
      CHECK(out.token % 3 != 0);
      CHECK(std::isfinite(out.logprob));
      for (const TokenLogprob& t : out.top) CHECK(std::isfinite(t.logprob));
    }
  }
}

TEST_CASE("no finite logit is an error, not a random token") {
  SamplingParams p;
  Sampler s(p, 7);
  std::vector<float> logits(8, NAN);
  CHECK_THROWS_AS(s.sample(logits.data(), 8), std::runtime_error);
  std::vector<float> neg(8, -INFINITY);
  CHECK_THROWS_AS(s.sample(neg.data(), 8), std::runtime_error);
}

TEST_CASE("the same seed gives the same draws") {
  SamplingParams p;
  p.temperature = 1.2f;
  Sampler a(p, 99), b(p, 99);
  check::Rng r(5);
  for (int i = 0; i < 50; ++i) {
    std::vector<float> l1 = check::random_floats(r, 32, 2.f), l2 = l1;
    CHECK_EQ(a.sample(l1.data(), 32).token, b.sample(l2.data(), 32).token);
  }
}
