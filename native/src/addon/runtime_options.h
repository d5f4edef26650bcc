// The LlmRuntime's options and requests from JavaScript, parsed and checked (js_args.h errors)
// on the JS thread before anything runs. Types: native/index.d.ts (LoadRuntimeOptions,
// GenerateRequest).
#pragma once
#include <napi.h>

#include <map>
#include <string>
#include <vector>

#include "model/model_weights.h"
#include "runtime/scheduler.h"

namespace chunkserve {

// Everything loadRuntime needs to build a Scheduler, off the JS thread.
struct RuntimeSpec {
  ModelConfig model;
  std::vector<std::string> files;             // checkpoint files
  std::map<std::string, TensorSpec> tensors;  // tensor locations in them (from libs/engine)
  KvCacheConfig kv;
  SchedulerConfig scheduler;
  std::string device = "auto";                // auto | cpu | cuda
  int threads = 0;                            // worker threads of the backend; 0 = one per core
};

RuntimeSpec parse_runtime_options(Napi::Value options);
// request: GenerateRequest. Sampling ranges are checked here; token ids against the vocabulary
// by the scheduler.
GenerateParams parse_generate_request(Napi::Value request);

}  // namespace chunkserve
