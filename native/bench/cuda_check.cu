// Standalone GPU check and benchmark of the CUDA backend, with no Node.js needed (the GPU
// machines have nvcc and PyTorch but not necessarily Node). Built and run by gpu-check.sh.
//
//   cuda_check check          correctness: the engine's KvCache over a CudaChunkStorage (the
//                             serving path: tree on the host, pool on the device), prompts with
//                             random sharing written and attended by cuda_prefill, then decode
//                             steps (append, fork, TPP with and without programmatic launch, and
//                             the baseline) against float64 references
//                             computed from the device pool. Exit status 1 on any failure.
//   cuda_check ops            the GEMM and element-wise kernels of the CUDA backend vs float64
//                             (cuda_ops_check.cu).
//   cuda_check bench ROWS     ROWS = JSON list of {batch, shared, unshared}: one raw JSON line per
//                             row ({row, result} with cudaKernelBench's fields); format them with
//                             `node native/bench/bench-kernel-cuda.js --from-raw FILE`.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "attention/decode_work_list.h"
#include "cache/kv_cache.h"
#include "cuda/cuda_chunk_storage.h"
#include "cuda/tpp_decoder.h"
#include "cuda/tpp_prefill.h"
#include "cuda/tpp_bench.h"
#include "cuda/tpp_host_exec.h"

using namespace chunkserve;

namespace chunkserve {
int ops_main();  // cuda_ops_check.cu
}

namespace {

struct Rng {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 33);
  }
  float uniform(float scale = 1.f) { return (next() * (2.f / 2147483648.f) - 1.f) * scale; }
  int below(int n) { return static_cast<int>(next() % static_cast<uint32_t>(n)); }
};

std::vector<float> random_floats(Rng& r, size_t n, float scale = 1.f) {
  std::vector<float> v(n);
  for (float& x : v) x = r.uniform(scale);
  return v;
}

DeviceBuffer to_device(const std::vector<float>& v) {
  DeviceBuffer b(std::max<size_t>(1, v.size()) * sizeof(float));
  b.upload(v.data(), v.size() * sizeof(float));
  return b;
}

std::vector<float> from_device(const DeviceBuffer& b, size_t n) {
  std::vector<float> v(n);
  b.download(v.data(), n * sizeof(float));
  return v;
}

// float64 attention of one query row over positions [0, n) of a path, one (layer, query head).
void reference_row(const ChunkLayout& L, const std::vector<uint16_t>& pool, const std::vector<int32_t>& path, int layer,
                   int kvh, const float* q, int n, double* out) {
  const int D = L.head_dim, c = L.chunk_size;
  std::vector<double> s(n);
  double mx = -INFINITY;
  for (int p = 0; p < n; ++p) {
    const uint16_t* k = pool.data() + static_cast<size_t>(path[p / c]) * L.chunk_elems() + L.row_offset(layer, 0, kvh, p % c);
    double acc = 0;
    for (int d = 0; d < D; ++d) acc += static_cast<double>(q[d]) * bits16_to_float(L.dtype, k[d]);
    s[p] = acc / std::sqrt(static_cast<double>(D));
    mx = std::max(mx, s[p]);
  }
  double sum = 0;
  for (int p = 0; p < n; ++p) sum += (s[p] = std::exp(s[p] - mx));
  for (int d = 0; d < D; ++d) out[d] = 0;
  for (int p = 0; p < n; ++p) {
    const uint16_t* v = pool.data() + static_cast<size_t>(path[p / c]) * L.chunk_elems() + L.row_offset(layer, 1, kvh, p % c);
    for (int d = 0; d < D; ++d) out[d] += s[p] / sum * bits16_to_float(L.dtype, v[d]);
  }
}

struct ErrAcc {
  double num = 0, den = 0;
  bool finite = true;
  void add(const float* a, const double* b, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(a[i])) finite = false;
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += b[i] * b[i];
    }
  }
  double rel() const { return finite ? std::sqrt(num / std::max(den, 1e-300)) : INFINITY; }
};

// Host copy of the device pool, refreshed chunk by chunk (only what a reference reads).
struct HostPool {
  const CudaChunkStorage& dev;
  std::vector<uint16_t> words;  // [capacity][chunk_elems]
  explicit HostPool(const CudaChunkStorage& d) : dev(d), words(static_cast<size_t>(d.capacity()) * d.layout().chunk_elems()) {}
  void fetch(const std::vector<int32_t>& chunks) {
    for (int32_t id : chunks) dev.download_chunks(id, 1, words.data() + static_cast<size_t>(id) * dev.layout().chunk_elems());
  }
};

std::vector<std::vector<int32_t>> random_prompts(Rng& r, int n_seqs, int c) {
  auto tokens = [&](int n, int vocab) {
    std::vector<int32_t> t(n);
    for (int32_t& x : t) x = r.below(vocab);
    return t;
  };
  std::vector<std::vector<int32_t>> bases;
  // Bounded lengths (<= ~420 tokens) keep the float64 prefill reference within seconds.
  for (int i = 0, nb = 1 + r.below(3); i < nb; ++i) bases.push_back(tokens(r.below(std::min(6 * c, 320)), 50));
  std::vector<std::vector<int32_t>> prompts;
  for (int b = 0; b < n_seqs; ++b) {
    const auto& base = bases[r.below(static_cast<int>(bases.size()))];
    const int cut = r.below(2) ? static_cast<int>(base.size()) : r.below(static_cast<int>(base.size()) + 1);
    std::vector<int32_t> p(base.begin(), base.begin() + cut);
    for (int32_t t : tokens(1 + r.below(std::min(2 * c, 96)), 1000)) p.push_back(t);
    // A third of the prompts end exactly on a chunk edge (full tail: the next token opens a chunk).
    if (r.below(3) == 0 && p.size() > static_cast<size_t>(c)) p.resize(p.size() / c * c);
    prompts.push_back(p);
  }
  return prompts;
}

struct CaseResult {
  double prefill = 0, decode_tpp = 0, decode_base = 0, vs_emulation = 0;
  uint64_t plan_uploads = 0;
  int steps = 0;
  bool pdl = false;
};

// One configuration: prefill every prompt, then `steps` decode steps (fork after the first).
CaseResult run_case(DType dtype, int D, int c, int n_kv, int group, int n_seqs, uint64_t seed) {
  Rng r{seed};
  KvCacheConfig cfg;
  cfg.n_layers = 2;
  cfg.n_kv_heads = n_kv;
  cfg.head_dim = D;
  cfg.chunk_size = c;
  cfg.dtype = dtype;
  cfg.pool_bytes = cfg.layout().chunk_bytes() * 512;
  const ChunkLayout L = cfg.layout();
  auto storage = std::make_unique<CudaChunkStorage>(L, cfg.pool_bytes);
  CudaChunkStorage* dev = storage.get();
  KvCache cache(cfg, std::move(storage));
  const int H = n_kv * group;
  CaseResult res;

  HostPool host(*dev);
  // Prefill: store K/V of the uncached positions and attend causally (both by cuda_prefill).
  ErrAcc pre;
  std::vector<SeqId> seqs;
  for (const auto& p : random_prompts(r, n_seqs, c)) {
    const InsertResult ins = cache.insert("tenant", p, p.size() - 1);
    const int n_new = static_cast<int>(p.size()) - ins.cached_tokens;
    for (int layer = 0; layer < L.n_layers; ++layer) {
      const auto q = random_floats(r, static_cast<size_t>(n_new) * H * D, 2.f);
      const auto k = random_floats(r, static_cast<size_t>(n_new) * n_kv * D);
      const auto v = random_floats(r, static_cast<size_t>(n_new) * n_kv * D);
      DeviceBuffer qd = to_device(q), kd = to_device(k), vd = to_device(v), od(q.size() * sizeof(float));
      cuda_prefill(*dev, cache.seq_chunks(ins.seq), layer, H, ins.cached_tokens, n_new, static_cast<const float*>(qd.get()),
                   static_cast<const float*>(kd.get()), static_cast<const float*>(vd.get()), static_cast<float*>(od.get()));
      const auto out = from_device(od, q.size());
      host.fetch(cache.seq_chunks(ins.seq));
      std::vector<double> ref(D);
      for (int t = 0; t < n_new; ++t)
        for (int h = 0; h < H; ++h) {
          const size_t o = (static_cast<size_t>(t) * H + h) * D;
          reference_row(L, host.words, cache.seq_chunks(ins.seq), layer, h / group, q.data() + o, ins.cached_tokens + t + 1, ref.data());
          pre.add(out.data() + o, ref.data(), D);
        }
    }
    cache.mark_computed(ins.seq, static_cast<int32_t>(p.size()));
    seqs.push_back(ins.seq);
  }
  res.prefill = pre.rel();

  // Decode steps.
  CudaTppDecoder tpp(8), base(8), serial(8);  // serial: TPP without programmatic launch
  serial.set_programmatic_launch(false);
  ErrAcc dec_tpp, dec_base, emu;
  for (int step = 0; step < 3; ++step) {
    if (step == 1) seqs.push_back(cache.fork(seqs[0]));  // copy_prefix on the device
    std::vector<int32_t> toks(seqs.size());
    for (int32_t& t : toks) t = r.below(1000);
    cache.append(seqs, toks);
    const size_t n = seqs.size();
    DecodeWorkList w_tpp = build_decode_work_list(cache, seqs, 1, tpp.policy(L, H));
    DecodeWorkList w_base = build_decode_work_list(cache, seqs, 1 << 30, base.policy(L, H));
    tpp.prepare(w_tpp, L, H);
    base.prepare(w_base, L, H);
    serial.prepare(w_tpp, L, H);
    for (int layer = 0; layer < L.n_layers; ++layer) {
      DeviceBuffer kd = to_device(random_floats(r, n * n_kv * D)), vd = to_device(random_floats(r, n * n_kv * D));
      tpp.append_kv(*dev, layer, static_cast<const float*>(kd.get()), static_cast<const float*>(vd.get()));
    }
    for (SeqId s : seqs) {
      cache.mark_computed(s, cache.seq_length(s));
      host.fetch(cache.seq_chunks(s));
    }
    const std::vector<uint16_t>& pool = host.words;
    for (int layer = 0; layer < L.n_layers; ++layer) {
      const auto q = random_floats(r, n * H * D, 2.f);
      DeviceBuffer qd = to_device(q), od(q.size() * sizeof(float));
      std::vector<double> ref(q.size());
      for (size_t b = 0; b < n; ++b)
        for (int h = 0; h < H; ++h)
          reference_row(L, pool, cache.seq_chunks(seqs[b]), layer, h / group, q.data() + (b * H + h) * D,
                        cache.seq_length(seqs[b]), ref.data() + (b * H + h) * D);
      CudaTppDecoder* decoders[3] = {&tpp, &base, &serial};
      for (int m = 0; m < 3; ++m) {
        std::vector<float> poison(q.size(), NAN);
        od.upload(poison.data(), poison.size() * sizeof(float));
        decoders[m]->decode(*dev, layer, static_cast<const float*>(qd.get()), static_cast<float*>(od.get()));
        cuda_synchronize("decode");
        const auto out = from_device(od, q.size());
        (m == 1 ? dec_base : dec_tpp).add(out.data(), ref.data(), ref.size());
        if (m == 0) {  // the same plan through the host emulation: agreement up to fp32 order
          std::vector<float> e(q.size());
          tpp_host_decode(tpp.plan(), L, pool.data(), layer, H, w_tpp.seq_len, q.data(), e.data());
          std::vector<double> ed(e.begin(), e.end());
          emu.add(out.data(), ed.data(), ed.size());
        }
      }
    }
    ++res.steps;
  }
  res.decode_tpp = dec_tpp.rel();
  res.decode_base = dec_base.rel();
  res.vs_emulation = emu.rel();
  res.plan_uploads = tpp.plan_uploads();
  res.pdl = tpp.programmatic_launch();
  return res;
}

int check_main() {
  int failures = 0, cases = 0;
  const int shapes[][4] = {{128, 64, 2, 1}, {64, 16, 2, 4}, {128, 32, 1, 8}, {64, 128, 4, 2}, {96, 64, 2, 2}, {80, 32, 1, 3}};  // D, c, n_kv, group
  for (DType dtype : {DType::F16, DType::BF16}) {
    const double tol = dtype == DType::F16 ? 1e-3 : 8e-3;
    for (const auto& sh : shapes)
      for (int n_seqs : {1, 7, 40, 96}) {
        if (n_seqs == 96 && (dtype != DType::BF16 || (&sh - shapes) > 1)) continue;  // the float64 references are slow
        const uint64_t seed = 1000003ull * (cases + 1);
        CaseResult r;
        std::string error;
        try {
          r = run_case(dtype, sh[0], sh[1], sh[2], sh[3], n_seqs, seed);
        } catch (const std::exception& e) {
          error = e.what();
          for (char& ch : error)
            if (ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) ch = '\'';  // keep the line valid JSON
        }
        const bool ok = error.empty() && r.prefill < tol && r.decode_tpp < tol && r.decode_base < tol;
        failures += !ok;
        ++cases;
        std::printf(
            "{\"check\":\"%s\",\"dtype\":\"%s\",\"head_dim\":%d,\"chunk\":%d,\"kv_heads\":%d,\"group\":%d,\"seqs\":%d,"
            "\"rel_prefill\":%.3g,\"rel_decode_tpp\":%.3g,\"rel_decode_baseline\":%.3g,\"rel_vs_host_emulation\":%.3g,"
            "\"plan_uploads\":%llu,\"steps\":%d,\"pdl\":%s,\"tol\":%g,\"error\":\"%s\"}\n",
            ok ? "pass" : "FAIL", dtype == DType::F16 ? "fp16" : "bf16", sh[0], sh[1], sh[2], sh[3], n_seqs, r.prefill,
            r.decode_tpp, r.decode_base, r.vs_emulation, static_cast<unsigned long long>(r.plan_uploads), r.steps,
            r.pdl ? "true" : "false", tol,
            error.c_str());
        std::fflush(stdout);
      }
  }
  std::printf("{\"check_summary\":{\"cases\":%d,\"failures\":%d}}\n", cases, failures);
  return failures == 0 ? 0 : 1;
}

int bench_main(const std::string& rows_json) {
  // Rows are flat objects of integers: {"batch":32,"shared":1024,"unshared":0}.
  const std::regex obj("\\{[^}]*\\}"), field("\"(\\w+)\"\\s*:\\s*(-?\\d+)");
  for (auto it = std::sregex_iterator(rows_json.begin(), rows_json.end(), obj); it != std::sregex_iterator(); ++it) {
    const std::string o = it->str();
    CudaBenchSpec s;
    for (auto f = std::sregex_iterator(o.begin(), o.end(), field); f != std::sregex_iterator(); ++f) {
      const std::string k = (*f)[1];
      const int v = std::stoi((*f)[2]);
      if (k == "batch") s.batch = v;
      else if (k == "shared") s.shared = v;
      else if (k == "unshared") s.own = v;
    }
    const CudaBenchResult r = run_cuda_kernel_bench(s);
    std::printf(
        "{\"row\":{\"batch\":%d,\"shared\":%d,\"unshared\":%d},\"result\":{\"gpu\":\"%s\",\"copyBytesPerS\":%.6e,"
        "\"tppUs\":%.3f,\"tppSpreadUs\":%.3f,\"pdl\":%s,\"tppSerialUs\":%.3f,\"baselineUs\":%.3f,\"baselineSpreadUs\":%.3f,\"tppBytes\":%llu,"
        "\"baselineBytes\":%llu,\"tppLayers\":%d,\"baselineLayers\":%d,\"chunkFirstPieces\":%d,\"chunksPerPiece\":%d,"
        "\"maxAbsDiff\":%.3g}}\n",
        s.batch, s.shared, s.own, r.gpu.c_str(), r.copy_bytes_per_s, r.tpp_us, r.tpp_spread_us, r.pdl ? "true" : "false",
        r.tpp_serial_us, r.baseline_us,
        r.baseline_spread_us, static_cast<unsigned long long>(r.tpp_bytes), static_cast<unsigned long long>(r.baseline_bytes),
        r.tpp_layers, r.baseline_layers, r.chunk_first_pieces, r.chunks_per_piece, r.max_abs_diff);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "check") return check_main();
    if (mode == "ops") return ops_main();
    if (mode == "bench" && argc > 2) return bench_main(argv[2]);
    std::fprintf(stderr, "usage: cuda_check check | cuda_check ops | cuda_check bench '[{\"batch\":32,\"shared\":1024,\"unshared\":0}]'\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cuda_check: %s\n", e.what());
    return 1;
  }
}
