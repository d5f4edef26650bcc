#!/usr/bin/env python3
"""PyTorch scaled_dot_product_attention with the flash backend on the CUDA kernel benchmark's
shapes: one decode step (one query token per sequence) over contiguous K/V of shared + unshared
tokens per sequence, every sequence holding its own copy (flash attention has no prefix sharing).

Prints one JSON line per row with the fields of native/bench/bench-kernel-cuda.js, method
"sdpa_flash". Rows come from that script so the two cover the same settings:
  python3 native/bench/sdpa_flash.py --rows "$(node native/bench/bench-kernel-cuda.js --print-rows)"

Timing as in the CUDA benchmark: CUDA events around `iters` back-to-back calls, median of `reps`
rounds, rotating among enough K/V sets that one rotation reads >= 4 x L2. Before timing, the
output is checked against a float64 computation on a few sequences.
"""
import argparse
import json
import math

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

HEADS, KV_HEADS, HEAD_DIM = 32, 32, 128


def check(q, k, v, out):
    """Relative error of out against float64 attention on the first two sequences."""
    qs, ks, vs = q[:2].double(), k[:2].double(), v[:2].double()
    w = torch.softmax(qs @ ks.transpose(-1, -2) / math.sqrt(HEAD_DIM), dim=-1)
    ref = w @ vs
    return float((out[:2].double() - ref).norm() / ref.norm())


def time_row(row, dtype, reps, iters, l2_bytes):
    b, length = row["batch"], row["shared"] + row["unshared"]
    kv_bytes = 2 * b * KV_HEADS * length * HEAD_DIM * 2
    n_sets = max(1, min(16, math.ceil(4 * l2_bytes / kv_bytes)))
    gen = torch.Generator(device="cuda").manual_seed(1234)
    q = torch.rand(b, HEADS, 1, HEAD_DIM, device="cuda", dtype=dtype, generator=gen) * 4 - 2
    sets = [
        tuple(torch.rand(b, KV_HEADS, length, HEAD_DIM, device="cuda", dtype=dtype, generator=gen) * 2 - 1 for _ in range(2))
        for _ in range(n_sets)
    ]
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        out = F.scaled_dot_product_attention(q, *sets[0])
        torch.cuda.synchronize()
        rel = check(q, *sets[0], out)
        for i in range(3):
            F.scaled_dot_product_attention(q, *sets[i % n_sets])
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        per_call = []
        for r in range(reps):
            start.record()
            for i in range(iters):
                F.scaled_dot_product_attention(q, *sets[(r * iters + i) % n_sets])
            end.record()
            end.synchronize()
            per_call.append(start.elapsed_time(end) * 1e3 / iters)
    per_call.sort()
    moved = kv_bytes + 2 * b * HEADS * HEAD_DIM * 2
    us = per_call[len(per_call) // 2]
    return {
        "device": "cuda: " + torch.cuda.get_device_name(),
        "heads": HEADS,
        "kv_heads": KV_HEADS,
        "head_dim": HEAD_DIM,
        "chunk": None,
        "dtype": "fp16" if dtype == torch.float16 else "bf16",
        "batch": b,
        "shared": row["shared"],
        "unshared": row["unshared"],
        "method": "sdpa_flash",
        "us_per_step": round(us, 1),
        "us_spread": round(per_call[-1] - per_call[0], 1),
        "bytes_moved": moved,
        "effective_GBps": round(moved / (us * 1e-6) / 1e9, 2),
        "layers_rotated": n_sets,
        "check_rel_err": rel,
        "torch": torch.__version__,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", required=True, help="JSON list of {batch, shared, unshared}")
    ap.add_argument("--dtype", default="fp16", choices=["fp16", "bf16"])
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    dtype = torch.float16 if args.dtype == "fp16" else torch.bfloat16
    l2 = torch.cuda.get_device_properties(0).L2_cache_size
    for row in json.loads(args.rows):
        rec = time_row(row, dtype, args.reps, args.iters, l2)
        if not rec["check_rel_err"] < (2e-3 if dtype == torch.float16 else 1e-2):
            raise SystemExit(f"SDPA flash output check failed: {rec}")
        print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
