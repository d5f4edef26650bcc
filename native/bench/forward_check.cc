// The GPU check's C++ driver (no Node needed): loads a Hugging Face Llama directory with the
// core's own reader and runs our forward pass on the CPU or the GPU. gpu-check.sh runs it.
//
//   forward_check logits --model DIR --reference FILE [--device cpu|cuda] [--kv fp32|bf16|fp16]
//                        [--chunk 64] [--gate rel_logits|rel_logsoftmax|max_abs_logsoftmax]
//                        [--tol 1e-4] [--label NAME]          (forward_check_logits.h)
//   forward_check e2e --model DIR --prompts FILE [--device cuda] [--sharing on|off] [--gen 128]
//                     [--prefill-chunk 512] [--kv-bytes N] [--label NAME]   (forward_check_e2e.h)
//   forward_check selftest [--device cpu|auto]   a small random checkpoint and a float64
//                     reference (reference_forward.h) written to a temp dir, then `logits` on the
//                     CPU (fp32, gate rel_logits < 1e-4) and, with auto where a GPU is usable, on
//                     CUDA (bf16, gate rel_logsoftmax < 2e-3). ctest runs it on the CPU.
// JSON lines on stdout; exit status 1 when a gate fails, 2 on bad usage.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

#include "common/device.h"
#include "cuda/cuda_device.h"
#include "engine_setup.h"
#include "forward_check_e2e.h"
#include "forward_check_logits.h"
#include "hf_checkpoint_writer.h"
#include "reference_forward.h"
#include "test_random.h"

using namespace chunkserve;

namespace {

using Args = std::map<std::string, std::string>;

Args parse_args(int argc, char** argv, int first) {
  Args a;
  for (int i = first; i < argc; ++i) {
    const std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) throw std::invalid_argument("expected --key value, got " + k);
    a[k.substr(2)] = argv[++i];
  }
  return a;
}

std::string get(const Args& a, const char* key, const char* def = nullptr) {
  auto it = a.find(key);
  if (it != a.end()) return it->second;
  if (def == nullptr) throw std::invalid_argument(std::string("--") + key + " is required");
  return def;
}

// Writes a random checkpoint of cfg in dtype and its float64 reference logits into dir.
void write_selftest_case(const std::string& dir, const ModelConfig& cfg, DType dtype) {
  check::write_random_llama(dir, cfg, dtype, 2024);
  const LoadedModel m = load_model(dir);
  const int B = 3, L = 100, prefix = 70, decode_from = 80;
  check::Rng r(99);
  const std::vector<int32_t> shared = check::random_tokens(r, prefix, cfg.vocab);
  check::TensorToWrite ids{"input_ids", "I32", {B, L}, {}}, logits{"logits", "F32", {B, L, cfg.vocab}, {}};
  for (int b = 0; b < B; ++b) {
    std::vector<int32_t> seq(shared);
    for (int32_t t : check::random_tokens(r, L - prefix, cfg.vocab)) seq.push_back(t);
    for (int32_t t : seq) ids.values.push_back(static_cast<float>(t));
    for (double x : reference_logits(m.config, *m.weights, seq)) logits.values.push_back(static_cast<float>(x));
  }
  check::write_safetensors(dir + "/reference.safetensors", {ids, logits},
                           {{"prefix", std::to_string(prefix)}, {"decode_from", std::to_string(decode_from)},
                            {"reference", "float64 reference_forward"}});
}

int selftest(const Args& a) {
  ModelConfig c;
  c.architecture = "LlamaForCausalLM";
  c.hidden = 128, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2, c.head_dim = 64;
  c.intermediate = 200, c.vocab = 300, c.max_positions = 512, c.rms_eps = 1e-5f, c.rope_theta = 500000;
  c.rope_scaling = RopeScaling::Llama3, c.rope_factor = 8, c.rope_original_max_positions = 64;
  char tmpl[] = "/tmp/chunkserve-forward-check-XXXXXX";
  const std::string root = ::mkdtemp(tmpl);
  bool ok = true;
  const std::string f32 = root + "/fp32";
  write_selftest_case(f32, c, DType::F32);
  LogitsCheckSpec s;
  s.model_dir = f32, s.reference = f32 + "/reference.safetensors", s.label = "selftest", s.chunk_size = 16;
  s.device = "cpu", s.kv_dtype = DType::F32, s.gate = "rel_logits", s.tol = 1e-4;
  ok = run_logits_check(s) && ok;
  std::string why;
  const bool gpu = get(a, "device", "cpu") == "auto" && cuda_compiled() && cuda_device_count(&why) > 0;
  if (gpu) {
    const std::string bf16 = root + "/bf16";
    write_selftest_case(bf16, c, DType::BF16);
    s.model_dir = bf16, s.reference = bf16 + "/reference.safetensors";
    s.device = "cuda", s.kv_dtype = DType::BF16, s.gate = "rel_logsoftmax", s.tol = 2e-3;
    ok = run_logits_check(s) && ok;
  } else {
    std::printf("{\"check\":\"logits\",\"model\":\"selftest\",\"device\":\"cuda\",\"skipped\":\"%s\"}\n",
                get(a, "device", "cpu") == "auto" ? "no usable GPU" : "--device cpu");
  }
  return ok ? 0 : 1;
}

DType kv_dtype(const Args& a, const char* def) { return parse_dtype(get(a, "kv", def), "--kv"); }

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    const Args a = parse_args(argc, argv, 2);
    if (mode == "selftest") return selftest(a);
    if (mode == "logits") {
      LogitsCheckSpec s;
      s.model_dir = get(a, "model"), s.reference = get(a, "reference"), s.label = get(a, "label", "model");
      s.device = get(a, "device", "cpu");
      s.kv_dtype = kv_dtype(a, s.device == "cuda" ? "bf16" : "fp32");
      s.chunk_size = std::stoi(get(a, "chunk", "64"));
      s.gate = get(a, "gate", "rel_logits");
      s.tol = std::stod(get(a, "tol", "1e-4"));
      return run_logits_check(s) ? 0 : 1;
    }
    if (mode == "e2e") {
      E2eSpec s;
      s.model_dir = get(a, "model"), s.prompts = get(a, "prompts"), s.label = get(a, "label", "model");
      s.device = get(a, "device", "cuda");
      s.sharing = get(a, "sharing", "on") == "on";
      s.gen = std::stoi(get(a, "gen", "128"));
      s.prefill_chunk = std::stoi(get(a, "prefill-chunk", "512"));
      s.kv_bytes = std::stoull(get(a, "kv-bytes", "17179869184"));
      s.kv_dtype = kv_dtype(a, "bf16");
      return run_e2e(s) ? 0 : 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "forward_check %s: %s\n", mode.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: forward_check logits|e2e|selftest [--key value ...] (see native/bench/forward_check.cc)\n");
  return 2;
}
