#include "forward_check_e2e.h"

#include <algorithm>
#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine_setup.h"
#include "json_line.h"
#include "model/mapped_file.h"
#include "model/safetensors_reader.h"
#include "runtime/scheduler.h"
#ifdef CHUNKSERVE_WITH_CUDA
#include "cuda/device_probe.h"
#endif

namespace chunkserve {

namespace {

using Clock = std::chrono::steady_clock;

struct Prompts {
  int R = 0, S = 0, U = 0;
  std::vector<std::vector<int32_t>> rows;  // [R][S + U]
};

Prompts read_prompts(const std::string& path) {
  const SafetensorsHeader h = read_safetensors_header(path);
  auto it = h.tensors.find("prompts");
  if (it == h.tensors.end() || it->second.dtype != "I32" || it->second.shape.size() != 2 || !h.metadata.count("system"))
    throw std::runtime_error(path + ": needs prompts (I32 [R][S + U]) and metadata system");
  Prompts p;
  p.R = static_cast<int>(it->second.shape[0]);
  const int len = static_cast<int>(it->second.shape[1]);
  p.S = std::stoi(h.metadata.at("system"));
  p.U = len - p.S;
  MappedFile f(path);
  const int32_t* ids = reinterpret_cast<const int32_t*>(f.data() + it->second.offset);
  for (int r = 0; r < p.R; ++r) p.rows.emplace_back(ids + static_cast<size_t>(r) * len, ids + static_cast<size_t>(r + 1) * len);
  return p;
}

// Events from the scheduler thread, stamped on arrival.
class EventLog {
 public:
  void push(std::vector<RuntimeEvent>&& events) {
    const Clock::time_point now = Clock::now();
    std::lock_guard<std::mutex> lk(mu_);
    for (RuntimeEvent& e : events) log_.push_back({now, std::move(e)});
    cv_.notify_all();
  }
  // Waits for the ending event of request id; throws on an Error event or after `seconds`.
  RuntimeEvent wait_end(int64_t id, double seconds) {
    std::unique_lock<std::mutex> lk(mu_);
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (true) {
      for (const auto& s : log_)
        if (s.event.request_id == id && s.event.kind != EventKind::Token) {
          if (s.event.kind == EventKind::Error) throw std::runtime_error("request " + std::to_string(id) + ": " + s.event.message);
          return s.event;
        }
      if (cv_.wait_until(lk, deadline) == std::cv_status::timeout) throw std::runtime_error("request " + std::to_string(id) + " timed out");
    }
  }
  struct Stamped {
    Clock::time_point at;
    RuntimeEvent event;
  };
  std::vector<Stamped> snapshot() {
    std::lock_guard<std::mutex> lk(mu_);
    return log_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Stamped> log_;
};

GenerateParams greedy(const std::string& ns, std::vector<int32_t> prompt, int max_tokens) {
  GenerateParams p;
  p.ns = ns;
  p.prompt = std::move(prompt);
  p.max_tokens = max_tokens;
  p.sampling.temperature = 0;
  return p;
}

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

bool run_e2e(const E2eSpec& spec) {
  const Prompts P = read_prompts(spec.prompts);
  LoadedModel m = load_model(spec.model_dir);
  const ModelConfig& cfg = m.config;
  std::unique_ptr<Backend> backend = make_backend(spec.device, cfg);
  const KvCacheConfig kv = kv_config(spec.device, cfg, spec.kv_dtype, spec.chunk_size, spec.kv_bytes);
  SchedulerConfig sc;
  sc.max_batch = P.R;
  sc.prefill_chunk = spec.prefill_chunk;
  sc.sharing = spec.sharing;
  auto log = std::make_shared<EventLog>();
  Scheduler sched(cfg, std::move(m.weights), kv, std::move(backend), sc, [log](std::vector<RuntimeEvent>&& e) { log->push(std::move(e)); });

  // TTFT cold: a prompt of the same length that nothing in the cache shares.
  std::vector<int32_t> cold(P.rows[0].rbegin(), P.rows[0].rend());
  sched.submit(1, greedy("cold", cold, 1));
  const double ttft_cold = log->wait_end(1, 600).ttft_ms;
  // TTFT pre-warmed: the system prompt pre-warmed (computed and pinned), then a request on it.
  const std::vector<int32_t> system(P.rows[0].begin(), P.rows[0].begin() + P.S);
  sched.prewarm(2, "tenant", system);
  log->wait_end(2, 600);
  std::vector<int32_t> warm(system);
  warm.insert(warm.end(), P.rows[0].rbegin(), P.rows[0].rbegin() + P.U);  // a suffix no batch request has
  sched.submit(3, greedy("tenant", warm, 1));
  const double ttft_warm = log->wait_end(3, 600).ttft_ms;

  // The batch.
  const uint64_t steps0 = sched.stats().steps;
  const Clock::time_point t0 = Clock::now();
  for (int r = 0; r < P.R; ++r) sched.submit(100 + r, greedy("tenant", P.rows[r], spec.gen));
  uint64_t peak_kv = 0;
  std::atomic<bool> done{false};
  std::thread poll([&] {
    while (!done) {
      peak_kv = std::max<uint64_t>(peak_kv, sched.stats().cache.bytes_in_use);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  bool ok = true;
  std::string error;
  try {
    for (int r = 0; r < P.R; ++r) log->wait_end(100 + r, 1200);
  } catch (const std::exception& e) {
    ok = false;
    error = e.what();
  }
  done = true;
  poll.join();
  const uint64_t steps = sched.stats().steps - steps0;

  // Decode window: from the last request's first token to the last request's end.
  std::vector<Clock::time_point> first(P.R, Clock::time_point::max());
  Clock::time_point end = t0;
  std::vector<std::vector<int32_t>> tokens(P.R);
  std::vector<Clock::time_point> token_times;
  for (const auto& s : log->snapshot()) {
    const int64_t r = s.event.request_id - 100;
    if (r < 0 || r >= P.R) continue;
    if (s.event.kind == EventKind::Token) {
      first[r] = std::min(first[r], s.at);
      tokens[r].push_back(s.event.token);
      token_times.push_back(s.at);
    } else {
      end = std::max(end, s.at);
    }
  }
  const Clock::time_point start = *std::max_element(first.begin(), first.end());
  const long long in_window = std::count_if(token_times.begin(), token_times.end(), [&](Clock::time_point t) { return t > start; });
  const double window = ok ? seconds(start, end) : 0;
  const double decode_tps = window > 0 ? in_window / window : 0;
  const double step_ms = window > 0 && in_window > 0 ? 1e3 * window / (static_cast<double>(in_window) / P.R) : 0;

  // Floor of a decode step: weights once, K/V read once per step (shared chunks once with sharing).
  const double kv_token = static_cast<double>(cfg.n_layers) * 2 * cfg.n_kv_heads * cfg.head_dim * dtype_size(kv.dtype);
  const double weight_bytes = 2.0 * (static_cast<double>(cfg.vocab) * cfg.hidden * (cfg.tie_embeddings ? 1 : 2) +
                                     static_cast<double>(cfg.n_layers) * cfg.hidden *
                                         (2.0 * cfg.q_dim() + 2.0 * cfg.kv_dim() + 3.0 * cfg.intermediate));
  const double own = P.U + spec.gen / 2.0;
  const double kv_read = kv_token * (spec.sharing ? P.S + P.R * own : P.R * (P.S + own));
  double copy_bps = 0;
#ifdef CHUNKSERVE_WITH_CUDA
  if (spec.device == "cuda") copy_bps = cuda_copy_bandwidth(size_t(1) << 30, 10);
#endif
  const double floor_ms = copy_bps > 0 ? 1e3 * (weight_bytes + kv_read) / copy_bps : 0;

  JsonLine j;
  j.add("check", "e2e").add("model", spec.label).add("device", spec.device).add("sharing", spec.sharing);
  j.add("requests", P.R).add("system", P.S).add("distinct", P.U).add("gen", spec.gen).add("kv", dtype_name(kv.dtype));
  j.add("ttft_cold_ms", ttft_cold).add("ttft_prewarmed_ms", ttft_warm);
  j.add("decode_tokens_per_s", decode_tps).add("decode_step_ms", step_ms).add("decode_floor_ms", floor_ms);
  j.add("copy_GBps", copy_bps / 1e9).add("steps", static_cast<long long>(steps));
  j.add("peak_kv_bytes", static_cast<long long>(peak_kv)).add("batch_s", seconds(t0, end)).add("ok", ok);
  std::string first_tokens = "[";
  for (size_t i = 0; i < tokens[0].size() && i < 16; ++i) first_tokens += (i ? "," : "") + std::to_string(tokens[0][i]);
  j.raw("tokens_req0", first_tokens + "]");
  if (!error.empty()) j.add("error", error);
  j.print();
  return ok;
}

}  // namespace chunkserve
