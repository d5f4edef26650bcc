#!/usr/bin/env bash
# One GPU run for the CUDA backend, in one call of under ~8 minutes, from the repository root:
#   bash native/bench/gpu-check.sh            (OUT=/some/dir to keep the outputs, default $OUT or /tmp/gpu-check)
# 1. GPU facts (nvidia-smi).
# 2. Builds chunkserve_core, chunkserve_cuda, the C++ tests and chunkserve_gpu_check (native/bench/
#    cuda_check.cu) with cmake for this GPU's compute capability (no Node needed); runs ctest.
# 3. Correctness: cuda_check check (KvCache over device memory, prefill + decode steps, TPP and
#    baseline, vs float64 references; also vs the host emulation of the same plan).
# 4. Where Node and node_modules exist: builds the addon and runs `npm run test:gpu` (jest).
# 5. Benchmark: cuda_check bench over native/bench/kernel-cuda-rows.json, then PyTorch flash SDPA
#    (sdpa_flash.py) on the same rows.
# Prints a short table last. Outputs under $OUT: gpu.txt, build.log, ctest.txt, check.jsonl, jest.txt, raw.jsonl,
# sdpa.jsonl. Afterwards, on any machine with Node:
#   node native/bench/bench-kernel-cuda.js --from-raw OUT/raw.jsonl --sdpa OUT/sdpa.jsonl
# writes the JSON lines and the markdown table for docs/benchmarks.md.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/gpu-check}"
mkdir -p "$OUT"
ROWSET="${ROWSET:-full}"
status=0
t0=$(date +%s)
step() { echo "== $(( $(date +%s) - t0 ))s: $*"; }

step "GPU"
nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"
cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
nvcc --version | tail -1 | tee -a "$OUT/gpu.txt"

step "build the core, CUDA libraries and drivers with cmake for sm_${cap} (no Node)"
BUILD=$(mktemp -d)
GEN=""; command -v ninja >/dev/null && GEN="-G Ninja"
if ! cmake -S native -B "$BUILD" $GEN -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="${cap}" -DCMAKE_CUDA_FLAGS="-Xptxas -v" >"$OUT/build.log" 2>&1 \
   || ! cmake --build "$BUILD" -j 16 >>"$OUT/build.log" 2>&1; then
  echo "BUILD FAILED"; tail -40 "$OUT/build.log"; exit 1
fi
grep -E "registers|spill" "$OUT/build.log" | sort | uniq -c | head -20
step "C++ tests of the core (ctest)"
ctest --test-dir "$BUILD" --output-on-failure 2>&1 | tail -5 | tee "$OUT/ctest.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "CTEST FAILED"; status=1; }
CHECK_BIN="$BUILD/chunkserve_gpu_check"

step "correctness (cuda_check check)"
timeout 180 "$CHECK_BIN" check | tee "$OUT/check.jsonl" | grep -E '"FAIL"|check_summary'
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "CORRECTNESS FAILED"; status=1; }

if command -v node >/dev/null && [ -e node_modules/cmake-js ]; then
  step "addon build + npm run test:gpu"
  timeout 150 bash -c "npm run build:native && npm run test:gpu" >"$OUT/jest.txt" 2>&1 || { echo "JEST FAILED"; status=1; }
  tail -8 "$OUT/jest.txt"
else
  echo "node or node_modules missing here: jest skipped (cuda_check check covers the same ground)" | tee "$OUT/jest.txt"
fi

ROWS=$(python3 -c "import json;print(json.dumps(json.load(open('native/bench/kernel-cuda-rows.json'))['$ROWSET']))")
step "benchmark (cuda_check bench)"
timeout 120 "$CHECK_BIN" bench "$ROWS" >"$OUT/raw.jsonl" || { echo "BENCH FAILED"; status=1; }

step "PyTorch flash SDPA"
timeout 100 python3 native/bench/sdpa_flash.py --rows "$ROWS" >"$OUT/sdpa.jsonl" 2>"$OUT/sdpa.err" || { echo "SDPA FAILED"; tail -5 "$OUT/sdpa.err"; status=1; }

step "table"
python3 - "$OUT/raw.jsonl" "$OUT/sdpa.jsonl" <<'PY'
import json, sys
raw = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
sdpa = {}
try:
    for l in open(sys.argv[2]):
        if l.startswith("{"):
            r = json.loads(l); sdpa[(r["batch"], r["shared"], r["unshared"])] = r["us_per_step"]
except OSError:
    pass
print("batch shared unshared | tpp_us (no PDL) base_us speedup | sdpa_us | floor_us tpp%copy | pieces maxdiff")
for x in raw:
    r, s = x["row"], x["result"]
    key = (r["batch"], r["shared"], r["unshared"])
    floor = s["tppBytes"] / s["copyBytesPerS"] * 1e6
    frac = s["tppBytes"] / (s["tppUs"] * 1e-6) / s["copyBytesPerS"]
    print(f'{r["batch"]:5d} {r["shared"]:6d} {r["unshared"]:8d} | {s["tppUs"]:7.1f} ({s["tppSerialUs"]:7.1f}) {s["baselineUs"]:7.1f} {s["baselineUs"]/s["tppUs"]:6.2f}x '
          f'| {sdpa.get(key, float("nan")):7.1f} | {floor:7.1f} {100*frac:6.1f}% | {s["chunkFirstPieces"]:4d} {s["maxAbsDiff"]:.2g}')
if raw:
    print("gpu:", raw[0]["result"]["gpu"], " copy GB/s (r+w):", round(raw[0]["result"]["copyBytesPerS"] / 1e9, 1))
PY
step "done, status $status"
exit $status
