#!/usr/bin/env bash
# One GPU run for the CUDA backend, in one call of under ~9 minutes on an H100/H200 machine with
# nvcc, cmake, python3 (torch, transformers, safetensors) and no Node, no network. From the
# repository root:
#   bash native/bench/gpu-check.sh            (OUT=/some/dir keeps the outputs; default $OUT or /tmp/gpu-check)
# Every part runs under its own timeout and writes JSON lines under $OUT, so one failure leaves
# the others' results; a table of everything is printed last.
#  1. GPU facts; cmake build of the core, the CUDA library, the C++ tests and the two drivers
#     (chunkserve_gpu_check: kernels; chunkserve_forward_check: the forward pass) for this GPU.
#  2. ctest (the CPU suite, the host emulations of the device plans and GEMM tiles included).
#  3. ops: the GEMM kernels (skinny and tiled, every epilogue) and RMSNorm/RoPE/embedding kernels
#     vs float64 on random shapes (cuda_check ops).
#  4. forward: hf_reference.py writes random LlamaForCausalLM checkpoints (small; TinyLlama's
#     1B shape) and transformers' logits; forward_check compares ours: CPU fp32 (rel < 1e-4),
#     GPU bf16 (log-softmax rel < 2e-3), cold / prefix from the cache / decode; plus the float64
#     self-test on the GPU.
#  5. kernels: append, chunk-first, sequence-first + merge, prefill vs float64 (cuda_check check:
#     batch 1-96, GQA, head_dim 64-128, lengths on and off chunk edges).
#  6. e2e on the 1B shape: 32 requests x (4096 shared + 64 distinct) tokens, 128 greedy tokens,
#     sharing on and off (forward_check e2e), and transformers' generate() on the same batch.
#  7. Table 3 setting: TPP vs our sequence-first kernel without sharing vs torch SDPA flash, copy
#     bandwidth (cuda_check bench, sdpa_flash.py).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/gpu-check}"
mkdir -p "$OUT"
WORK=$(mktemp -d)   # checkpoints and references: large, not copied back
ROWSET="${ROWSET:-full}"
status=0
t0=$(date +%s)
step() { echo "== $(( $(date +%s) - t0 ))s: $*"; }
# part NAME SECONDS CMD...: runs CMD under a timeout, stdout appended to $OUT/NAME.jsonl, stderr to $OUT/NAME.err.
part() {
  local name=$1 secs=$2; shift 2
  timeout "$secs" "$@" >>"$OUT/$name.jsonl" 2>>"$OUT/$name.err"
  local rc=$?
  if [ $rc -ne 0 ]; then echo "  $name FAILED (exit $rc): $(tail -c 400 "$OUT/$name.err" | tr '\n' ' ')"; status=1; fi
  return $rc
}

step "GPU"
nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"
cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
nvcc --version | tail -1 | tee -a "$OUT/gpu.txt"
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" | tee -a "$OUT/gpu.txt"

step "build for sm_${cap} (cmake, no Node)"
BUILD="$WORK/build"
GEN=""; command -v ninja >/dev/null && GEN="-G Ninja"
if ! timeout 300 cmake -S native -B "$BUILD" $GEN -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="${cap}" -DCMAKE_CUDA_FLAGS="-Xptxas -v" >"$OUT/build.log" 2>&1 \
   || ! timeout 300 cmake --build "$BUILD" -j "$(nproc)" >>"$OUT/build.log" 2>&1; then
  echo "BUILD FAILED"; tail -40 "$OUT/build.log"; exit 1
fi
grep -E "spill|stack frame" "$OUT/build.log" | grep -v " 0 bytes spill stores, 0 bytes spill loads" | sort | uniq -c | head -10
KCHECK="$BUILD/chunkserve_gpu_check"
FCHECK="$BUILD/chunkserve_forward_check"

step "ctest"
timeout 240 ctest --test-dir "$BUILD" -j 8 --output-on-failure >"$OUT/ctest.txt" 2>&1 || { echo "  CTEST FAILED"; status=1; }
tail -3 "$OUT/ctest.txt"

step "ops: GEMM and layer kernels vs float64"
part ops 120 "$KCHECK" ops

step "forward: checkpoints and transformers' logits"
for shape in small tinyllama; do
  extra=""; [ "$shape" = tinyllama ] && extra="--e2e"
  part hf_reference 240 python3 native/bench/hf_reference.py write --shape "$shape" --out "$WORK/$shape" $extra
done
step "forward: ours vs transformers"
part forward 60 "$FCHECK" selftest --device auto
for shape in small tinyllama; do
  D="$WORK/$shape"
  [ -d "$D/fp32" ] || continue
  part forward 240 "$FCHECK" logits --label "$shape" --model "$D/fp32" --reference "$D/reference_fp32.safetensors" --device cpu --kv fp32 --gate rel_logits --tol 1e-4
  part forward 120 "$FCHECK" logits --label "$shape" --model "$D/bf16" --reference "$D/reference_bf16.safetensors" --device cuda --kv bf16 --gate rel_logsoftmax --tol 2e-3
  part forward 120 "$FCHECK" logits --label "$shape-fp32-converted" --model "$D/fp32" --reference "$D/reference_bf16.safetensors" --device cuda --kv bf16 --gate rel_logsoftmax --tol 2e-3
done

step "kernels: append, chunk-first, sequence-first + merge, prefill vs float64"
part check 180 "$KCHECK" check

step "e2e on the 1B shape (forward_check e2e, transformers generate)"
E2E="$WORK/tinyllama"
if [ -f "$E2E/e2e_prompts.safetensors" ]; then
  for sharing in on off; do
    part e2e 240 "$FCHECK" e2e --label tinyllama --model "$E2E/bf16" --prompts "$E2E/e2e_prompts.safetensors" --device cuda --sharing "$sharing" --gen 128
  done
  part e2e 180 python3 native/bench/hf_reference.py generate --model "$E2E/bf16" --prompts "$E2E/e2e_prompts.safetensors" --gen 128
fi

step "Table 3: TPP vs no-sharing sequence-first vs SDPA flash, copy bandwidth"
ROWS=$(python3 -c "import json;print(json.dumps(json.load(open('native/bench/kernel-cuda-rows.json'))['$ROWSET']))")
part raw 150 "$KCHECK" bench "$ROWS"
part sdpa 120 python3 native/bench/sdpa_flash.py --rows "$ROWS"

if command -v node >/dev/null && [ -e node_modules/cmake-js ]; then
  step "addon build + npm run test:gpu (Node is here)"
  timeout 150 bash -c "npm run build:native && npm run test:gpu" >"$OUT/jest.txt" 2>&1 || { echo "  JEST FAILED"; status=1; }
  tail -8 "$OUT/jest.txt"
fi

step "table"
python3 native/bench/gpu_check_table.py "$OUT"
step "done, status $status"
rm -rf "$WORK"
exit $status
