#!/usr/bin/env bash
# A/B of TPP's phase-1 kernel: a git revision against the working tree (rv_ab.cc says how).
#   native/bench/ab/rv-ab.sh REV [layers=8] [rounds=21]
# e.g. native/bench/ab/rv-ab.sh d6b8c03   # the prefetch pacing of a6e7412 against the kernel before it
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
native="$(cd "$here/../.." && pwd)"
rev="${1:?usage: rv-ab.sh REV [layers] [rounds]}"
shift
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git -C "$native" show "$rev:native/src/attention/attend_kernels_impl.h" > "$tmp/base_impl.h"
g++ -O3 -std=c++17 -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma -mf16c -fno-math-errno \
  -I"$native/src" -I"$tmp" "$here/rv_ab.cc" -o "$tmp/rv_ab" -lpthread
if nice -n -15 true 2>/dev/null; then nice -n -15 "$tmp/rv_ab" "$@"; else "$tmp/rv_ab" "$@"; fi
