#!/usr/bin/env python3
"""The table gpu-check.sh prints last, from the JSON lines under its output folder:
  python3 native/bench/gpu_check_table.py OUT
Missing or partial files print what they have; nothing here fails the run."""
import json
import os
import sys


def lines(out, name):
    path = os.path.join(out, name + ".jsonl")
    rows = []
    if os.path.exists(path):
        for line in open(path):
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    return rows


def fmt(x, spec=".3g"):
    return "-" if x is None else format(x, spec) if isinstance(x, (int, float)) else str(x)


def main(out):
    ops = lines(out, "ops")
    if ops:
        bad = [r for r in ops if r.get("check") == "FAIL"]
        print(f"ops: {len(ops)} cases, {len(bad)} failed" + "".join(f"\n  FAIL {json.dumps(r)}" for r in bad[:5]))
    fwd = [r for r in lines(out, "forward") if r.get("check") == "logits"]
    if fwd:
        print("forward vs reference: model device weights kv phase | rel_logits rel_logsoftmax max|dls| top1 | gate pass")
        for r in fwd:
            if "skipped" in r:
                print(f"  {r['model']:22s} {r['device']:4s} skipped: {r['skipped']}")
                continue
            print(f"  {r['model']:22s} {r['device']:4s} {r['weights']:4s} {r['kv']:4s} {r['phase']:6s} | {fmt(r['rel_logits']):>9s} "
                  f"{fmt(r['rel_logsoftmax']):>9s} {fmt(r['max_abs_logsoftmax']):>9s} {fmt(r['top1'], '.2f'):>5s} | "
                  f"{r['gate']}<{r['tol']:g} {'pass' if r['pass'] else 'FAIL'}")
    for r in lines(out, "hf_reference"):
        print(f"  reference {r['shape']}: {r['params'] / 1e6:.0f}M params, transformers {r['transformers']}; transformers' own bf16 "
              f"vs fp32 log-softmax rel {fmt(r['hf_bf16_vs_fp32_rel_logsoftmax'])}")
    kern = lines(out, "check")
    summary = [r["check_summary"] for r in kern if "check_summary" in r]
    if kern:
        bad = [r for r in kern if r.get("check") == "FAIL"]
        print(f"kernels vs float64: {summary[0] if summary else 'no summary (stopped?)'}" + "".join(f"\n  FAIL {json.dumps(r)}" for r in bad[:5]))
    e2e = lines(out, "e2e")
    ours = {r["sharing"]: r for r in e2e if r.get("check") == "e2e"}
    peer = next((r for r in e2e if r.get("check") == "e2e_peer"), None)
    if ours:
        print("e2e (1B shape, 32 x (4096 shared + 64) tokens, 128 greedy): sharing | TTFT cold / pre-warmed ms | decode tok/s | "
              "step ms / floor ms | peak KV GB")
        for sharing, r in sorted(ours.items(), reverse=True):
            print(f"  {'on ' if sharing else 'off'} | {fmt(r['ttft_cold_ms'], '.1f')} / {fmt(r['ttft_prewarmed_ms'], '.1f')} | "
                  f"{fmt(r['decode_tokens_per_s'], '.0f')} | {fmt(r['decode_step_ms'], '.2f')} / {fmt(r['decode_floor_ms'], '.2f')} | "
                  f"{r['peak_kv_bytes'] / 1e9:.2f}{'' if r['ok'] else '  FAILED: ' + r.get('error', '')}")
        on, off = ours.get(True), ours.get(False)
        if on and off and off["decode_tokens_per_s"]:
            print(f"  decode sharing on/off {on['decode_tokens_per_s'] / off['decode_tokens_per_s']:.2f}x (target >= 2x); "
                  f"TTFT cold/pre-warmed {on['ttft_cold_ms'] / max(on['ttft_prewarmed_ms'], 1e-9):.1f}x (target >= 20x)")
        if on and on["decode_floor_ms"]:
            print(f"  decode step / floor {on['decode_step_ms'] / on['decode_floor_ms']:.2f}x (target <= 2x)")
    if peer:
        print(f"  peer: {peer['peer']}: decode {fmt(peer['decode_tokens_per_s'], '.0f')} tok/s, prefill {fmt(peer['prefill_s'], '.2f')} s; "
              f"first tokens ours {ours.get(True, {}).get('tokens_req0', [])[:8]} vs peer {peer['tokens_req0'][:8]}")
    raw = [r for r in lines(out, "raw") if "result" in r]
    sdpa = {(r["batch"], r["shared"], r["unshared"]): r["us_per_step"] for r in lines(out, "sdpa")}
    if raw:
        print("Table 3: batch shared unshared | tpp_us (no PDL) base_us speedup | sdpa_us | floor_us tpp%copy | pieces maxdiff")
        for x in raw:
            r, s = x["row"], x["result"]
            key = (r["batch"], r["shared"], r["unshared"])
            floor = s["tppBytes"] / s["copyBytesPerS"] * 1e6
            frac = s["tppBytes"] / (s["tppUs"] * 1e-6) / s["copyBytesPerS"]
            print(f'  {r["batch"]:5d} {r["shared"]:6d} {r["unshared"]:8d} | {s["tppUs"]:7.1f} ({s["tppSerialUs"]:7.1f}) {s["baselineUs"]:7.1f} '
                  f'{s["baselineUs"] / s["tppUs"]:6.2f}x | {sdpa.get(key, float("nan")):7.1f} | {floor:7.1f} {100 * frac:6.1f}% | '
                  f'{s["chunkFirstPieces"]:4d} {s["maxAbsDiff"]:.2g}')
        print("  gpu:", raw[0]["result"]["gpu"], " copy GB/s (r+w):", round(raw[0]["result"]["copyBytesPerS"] / 1e9, 1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gpu-check")
