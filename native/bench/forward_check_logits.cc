#include "forward_check_logits.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "engine_setup.h"
#include "json_line.h"
#include "model/forward.h"
#include "model/mapped_file.h"
#include "model/safetensors_reader.h"

namespace chunkserve {

namespace {

struct Reference {
  int B = 0, L = 0, V = 0, prefix = 0, decode_from = 0;
  std::string source;
  std::vector<int32_t> ids;            // [B][L]
  std::unique_ptr<MappedFile> file;
  const float* logits = nullptr;       // [B][L][V], in the mapped file

  const int32_t* seq(int b) const { return ids.data() + static_cast<size_t>(b) * L; }
  const float* row(int b, int pos) const { return logits + (static_cast<size_t>(b) * L + pos) * V; }
};

Reference read_reference(const std::string& path, int vocab) {
  const SafetensorsHeader h = read_safetensors_header(path);
  auto entry = [&](const char* name, const char* dtype, size_t dims) -> const SafetensorsEntry& {
    auto it = h.tensors.find(name);
    if (it == h.tensors.end() || it->second.dtype != dtype || it->second.shape.size() != dims)
      throw std::runtime_error(path + ": needs tensor " + name + " (" + dtype + ", " + std::to_string(dims) + " dims)");
    return it->second;
  };
  auto meta = [&](const char* key) {
    auto it = h.metadata.find(key);
    if (it == h.metadata.end()) throw std::runtime_error(path + ": metadata " + key + " is missing");
    return it->second;
  };
  Reference r;
  const SafetensorsEntry& ids = entry("input_ids", "I32", 2);
  const SafetensorsEntry& lg = entry("logits", "F32", 3);
  r.B = static_cast<int>(ids.shape[0]), r.L = static_cast<int>(ids.shape[1]), r.V = static_cast<int>(lg.shape[2]);
  if (lg.shape[0] != r.B || lg.shape[1] != r.L || r.V != vocab)
    throw std::runtime_error(path + ": logits must be [B][L][vocab] for input_ids [B][L]");
  r.prefix = std::stoi(meta("prefix"));
  r.decode_from = std::stoi(meta("decode_from"));
  r.source = h.metadata.count("reference") ? h.metadata.at("reference") : "";
  if (r.B < 2 || r.decode_from < 2 || r.decode_from >= r.L || r.prefix > r.decode_from)
    throw std::runtime_error(path + ": needs B >= 2 and 2 <= prefix <= decode_from < L");
  r.file = std::make_unique<MappedFile>(path);
  r.ids.resize(static_cast<size_t>(r.B) * r.L);
  std::memcpy(r.ids.data(), r.file->data() + ids.offset, r.ids.size() * sizeof(int32_t));
  r.logits = reinterpret_cast<const float*>(r.file->data() + lg.offset);
  return r;
}

// Errors of rows of logits against their references.
struct ErrorSum {
  double d2 = 0, r2 = 0, ls_d2 = 0, ls_r2 = 0, ls_max = 0;
  int rows = 0, top1 = 0;
  bool finite = true;

  static double lse(const float* x, int n) {
    double m = -INFINITY, s = 0;
    for (int i = 0; i < n; ++i) m = std::max(m, static_cast<double>(x[i]));
    for (int i = 0; i < n; ++i) s += std::exp(x[i] - m);
    return m + std::log(s);
  }
  void add(const float* got, const float* ref, int n) {
    const double lg = lse(got, n), lr = lse(ref, n);
    int ag = 0, ar = 0;
    for (int i = 0; i < n; ++i) {
      if (!std::isfinite(got[i])) finite = false;
      const double d = static_cast<double>(got[i]) - ref[i], ld = (got[i] - lg) - (ref[i] - lr);
      d2 += d * d, r2 += static_cast<double>(ref[i]) * ref[i];
      ls_d2 += ld * ld, ls_r2 += (ref[i] - lr) * (ref[i] - lr);
      ls_max = std::max(ls_max, std::fabs(ld));
      if (got[i] > got[ag]) ag = i;
      if (ref[i] > ref[ar]) ar = i;
    }
    ++rows;
    top1 += ag == ar;
  }
  double metric(const std::string& name) const {
    if (!finite) return INFINITY;
    if (name == "rel_logits") return std::sqrt(d2 / std::max(r2, 1e-300));
    if (name == "rel_logsoftmax") return std::sqrt(ls_d2 / std::max(ls_r2, 1e-300));
    if (name == "max_abs_logsoftmax") return ls_max;
    throw std::invalid_argument("unknown gate metric " + name);
  }
};

}  // namespace

bool run_logits_check(const LogitsCheckSpec& spec) {
  LoadedModel m = load_model(spec.model_dir);
  const ModelConfig& cfg = m.config;
  const Reference ref = read_reference(spec.reference, cfg.vocab);
  std::unique_ptr<Backend> backend = make_backend(spec.device, cfg);
  const size_t chunks = static_cast<size_t>(ref.B) * (ref.L / spec.chunk_size + 3);
  KvCacheConfig kv = kv_config(spec.device, cfg, spec.kv_dtype, spec.chunk_size, 0);
  kv.pool_bytes = chunks * kv.layout().chunk_bytes();
  KvCache cache(kv, backend->make_chunk_storage(kv.layout(), kv.pool_bytes));
  backend->load_weights(*m.weights);
  Forward fwd(cfg, *m.weights, *backend);
  DecodePlan plan;
  std::vector<float> logits;
  const int D = ref.decode_from, V = cfg.vocab;
  bool ok = true;
  auto report = [&](const char* phase, const ErrorSum& e, const std::string& extra) {
    const bool pass = e.metric(spec.gate) < spec.tol;
    ok = ok && pass;
    JsonLine j;
    j.add("check", "logits").add("model", spec.label).add("device", spec.device).add("weights", m.weight_dtype);
    j.add("kv", dtype_name(kv.dtype)).add("phase", phase).add("rows", e.rows);
    j.add("rel_logits", e.metric("rel_logits")).add("rel_logsoftmax", e.metric("rel_logsoftmax"));
    j.add("max_abs_logsoftmax", e.metric("max_abs_logsoftmax")).add("top1", e.rows ? double(e.top1) / e.rows : 0.0);
    j.add("gate", spec.gate).add("tol", spec.tol).add("pass", pass).add("reference", ref.source);
    if (!extra.empty()) j.raw("cached_tokens", extra);
    j.print();
  };

  // cold: sequence 0 from nothing.
  std::vector<SeqId> seqs(ref.B);
  {
    const std::vector<int32_t> prompt(ref.seq(0), ref.seq(0) + D);
    seqs[0] = cache.insert("check", prompt, 0).seq;
    Batch b;
    b.add_prefill(seqs[0], 0, prompt.data(), D, true);
    fwd.run(cache, plan, b, logits);
    cache.mark_computed(seqs[0], D);
    ErrorSum e;
    e.add(logits.data(), ref.row(0, D - 1), V);
    report("cold", e, "");
  }
  // cached: the others find the prefix in the cache; their rests prefill in one step.
  {
    Batch b;
    std::string cached = "[";
    for (int s = 1; s < ref.B; ++s) {
      const std::vector<int32_t> prompt(ref.seq(s), ref.seq(s) + D);
      const InsertResult ins = cache.insert("check", prompt, D - 1);
      seqs[s] = ins.seq;
      cached += (s > 1 ? "," : "") + std::to_string(ins.cached_tokens);
      b.add_prefill(ins.seq, ins.cached_tokens, ref.seq(s) + ins.cached_tokens, D - ins.cached_tokens, true);
    }
    fwd.run(cache, plan, b, logits);
    ErrorSum e;
    for (int s = 1; s < ref.B; ++s) {
      cache.mark_computed(seqs[s], D);
      e.add(logits.data() + static_cast<size_t>(s - 1) * V, ref.row(s, D - 1), V);
    }
    report("cached", e, cached + "]");
  }
  // decode: every sequence, one teacher-forced token per step.
  {
    ErrorSum e;
    for (int pos = D; pos < ref.L; ++pos) {
      std::vector<int32_t> toks(ref.B);
      for (int s = 0; s < ref.B; ++s) toks[s] = ref.seq(s)[pos];
      cache.append(seqs, toks);
      Batch b;
      for (int s = 0; s < ref.B; ++s) b.add_decode(seqs[s], pos, toks[s]);
      fwd.run(cache, plan, b, logits);
      for (int s = 0; s < ref.B; ++s) {
        cache.mark_computed(seqs[s], pos + 1);
        e.add(logits.data() + static_cast<size_t>(s) * V, ref.row(s, pos), V);
      }
    }
    report("decode", e, "");
  }
  return ok;
}

}  // namespace chunkserve
