// memoryBandwidth(bytes, iterations): host memory bandwidth with all threads of the pool, the
// yardstick the kernel benchmark compares its effective KV bandwidth with.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "addon/js_args.h"
#include "addon/registry.h"
#include "common/thread_pool.h"

namespace chunkserve {

static Napi::Value MemoryBandwidth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t bytes = static_cast<size_t>(js::to_int(js::arg(info, 0), "bytes", 1 << 20, int64_t(1) << 34)) / 4096 * 4096;
  const int iters = static_cast<int>(js::to_int(js::arg(info, 1), "iterations", 1, 1000));
  ThreadPool& pool = ThreadPool::global();
  const int parts = pool.size() * 8;
  const size_t part = bytes / parts / 64 * 64;
  std::vector<uint8_t> src(bytes, 1), dst(bytes, 0);  // [bytes] each, touched so pages exist
  std::vector<double> sums(parts);
  using clock = std::chrono::steady_clock;
  double best_copy = 1e30, best_read = 1e30;
  for (int it = 0; it < iters; ++it) {
    auto t0 = clock::now();
    pool.parallel_for(parts, [&](int64_t i, int) { std::memcpy(dst.data() + i * part, src.data() + i * part, part); });
    auto t1 = clock::now();
    pool.parallel_for(parts, [&](int64_t i, int) {
      const float* p = reinterpret_cast<const float*>(src.data() + i * part);  // [part / 4]
      float a0 = 0, a1 = 0, a2 = 0, a3 = 0;  // four chains so the loop is load-bound, not add-bound
      for (size_t j = 0; j + 4 <= part / 4; j += 4) {
        a0 += p[j];
        a1 += p[j + 1];
        a2 += p[j + 2];
        a3 += p[j + 3];
      }
      sums[i] = a0 + a1 + a2 + a3;
    });
    auto t2 = clock::now();
    best_copy = std::min(best_copy, std::chrono::duration<double>(t1 - t0).count());
    best_read = std::min(best_read, std::chrono::duration<double>(t2 - t1).count());
  }
  const double moved = static_cast<double>(part) * parts;
  Napi::Object out = Napi::Object::New(env);
  out.Set("bytes", moved);
  out.Set("threads", pool.size());
  out.Set("copyGBps", 2 * moved / best_copy / 1e9);  // read + write, as memcpy bandwidth is usually quoted
  out.Set("copyOneWayGBps", moved / best_copy / 1e9);
  out.Set("readGBps", moved / best_read / 1e9);
  out.Set("checksum", sums[0]);
  return out;
}

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("memoryBandwidth", Napi::Function::New(env, MemoryBandwidth, "memoryBandwidth"));
});

}  // namespace chunkserve
