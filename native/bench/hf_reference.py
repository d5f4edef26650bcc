#!/usr/bin/env python3
"""Reference side of the GPU check (gpu-check.sh): random Llama checkpoints written with
transformers, their logits from transformers' LlamaForCausalLM, the end-to-end prompts, and
transformers' generate() on the same batch as the peer.

  hf_reference.py write --shape small|tinyllama --out DIR [--seed N] [--e2e]
      DIR/fp32/, DIR/bf16/        checkpoints (save_pretrained): the same random weights, fp32
                                  and rounded to bf16
      DIR/reference_fp32.safetensors   logits of the fp32 model (fp32, eager attention, no TF32)
      DIR/reference_bf16.safetensors   logits of the bf16 weights computed in fp32 (the GPU
                                  forward's reference), plus logits_native: transformers
                                  running in bf16, for scale
      DIR/e2e_prompts.safetensors (--e2e) 32 prompts: a shared 4096-token system prompt + 64
                                  distinct tokens each
    Reference files: input_ids I32 [B][L], logits F32 [B][L][vocab]; metadata prefix (tokens the
    B sequences share), decode_from, reference (what computed it). forward_check logits reads them.
  hf_reference.py generate --model DIR --prompts FILE [--gen 128]
      transformers' generate() (bf16, sdpa, greedy) on the prompts: one JSON line.
"""
import argparse
import json
import math
import os
import time

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

SHAPES = {
    # A small model that exercises the edges: GQA 2, head_dim 128, widths off the GEMM tiles,
    # tied embeddings, llama3 RoPE scaling with a short original context (many blended bands).
    "small": dict(hidden_size=512, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2, head_dim=128,
                  intermediate_size=1000, vocab_size=1000, tie_word_embeddings=True,
                  rope=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                            original_max_position_embeddings=64), rope_theta=500000.0),
    # TinyLlama-1.1B's shape.
    "tinyllama": dict(hidden_size=2048, num_hidden_layers=22, num_attention_heads=32, num_key_value_heads=4,
                      head_dim=64, intermediate_size=5632, vocab_size=32000, tie_word_embeddings=False,
                      rope=None, rope_theta=10000.0),
}
B, PREFIX, DECODE_FROM = 4, 150, 200  # sequences, shared prefix (off a 64-token chunk edge), decode start
DECODE_STEPS = {"small": 40, "tinyllama": 16}
E2E_REQUESTS, E2E_SYSTEM, E2E_DISTINCT = 32, 4096, 64


def make_config(shape):
    import transformers

    s = dict(SHAPES[shape])
    rope, theta = s.pop("rope"), s.pop("rope_theta")
    kw = dict(s, max_position_embeddings=8192, rms_norm_eps=1e-5, hidden_act="silu",
              initializer_range=1.0 / math.sqrt(s["hidden_size"]), attn_implementation="eager")
    if int(transformers.__version__.split(".")[0]) >= 5:  # RoPE settings live in rope_parameters
        return LlamaConfig(**kw, rope_parameters=dict({"rope_type": "default", "rope_theta": theta}, **(rope or {})))
    return LlamaConfig(**kw, rope_theta=theta, rope_scaling=rope)


def random_model(cfg, seed):
    torch.manual_seed(seed)
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg).to(torch.float32)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:  # ones would hide a missing norm weight
                p.uniform_(0.9, 1.1)
    return model.eval()


def logits_of(model, ids):
    with torch.no_grad():
        return model(input_ids=ids.cuda()).logits.float().cpu().contiguous()


def write_reference(path, ids, logits, what, extra=None):
    tensors = {"input_ids": ids.to(torch.int32).contiguous(), "logits": logits}
    if extra is not None:
        tensors["logits_native"] = extra
    save_file(tensors, path, metadata={"prefix": str(PREFIX), "decode_from": str(DECODE_FROM), "reference": what})


def write(args):
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    import transformers

    cfg = make_config(args.shape)
    model = random_model(cfg, args.seed)
    gen = torch.Generator().manual_seed(args.seed + 1)
    length = DECODE_FROM + DECODE_STEPS[args.shape]
    shared = torch.randint(0, cfg.vocab_size, (PREFIX,), generator=gen)
    ids = torch.stack([torch.cat([shared, torch.randint(0, cfg.vocab_size, (length - PREFIX,), generator=gen)]) for _ in range(B)])
    os.makedirs(args.out, exist_ok=True)
    tag = f"transformers {transformers.__version__} LlamaForCausalLM, torch {torch.__version__}"

    model.save_pretrained(os.path.join(args.out, "fp32"))
    write_reference(os.path.join(args.out, "reference_fp32.safetensors"), ids, logits_of(model, ids), tag + ", fp32 eager")
    with torch.no_grad():  # the same weights rounded to bf16, computed in fp32
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).to(torch.float32))
    ref_bf16 = logits_of(model, ids)
    model = model.to(torch.bfloat16)
    model.save_pretrained(os.path.join(args.out, "bf16"))
    native = logits_of(model, ids)
    write_reference(os.path.join(args.out, "reference_bf16.safetensors"), ids, ref_bf16,
                    tag + ", bf16 weights computed in fp32 eager", extra=native)
    ls = lambda x: torch.log_softmax(x.double(), -1)
    rel = float((ls(native) - ls(ref_bf16)).norm() / ls(ref_bf16).norm())
    print(json.dumps({"check": "hf_reference", "shape": args.shape, "params": sum(p.numel() for p in model.parameters()),
                      "sequences": B, "length": length, "transformers": transformers.__version__,
                      "hf_bf16_vs_fp32_rel_logsoftmax": rel}), flush=True)
    if args.e2e:
        system = torch.randint(0, cfg.vocab_size, (E2E_SYSTEM,), generator=gen)
        prompts = torch.stack([torch.cat([system, torch.randint(0, cfg.vocab_size, (E2E_DISTINCT,), generator=gen)])
                               for _ in range(E2E_REQUESTS)])
        save_file({"prompts": prompts.to(torch.int32).contiguous()}, os.path.join(args.out, "e2e_prompts.safetensors"),
                  metadata={"system": str(E2E_SYSTEM)})


def generate(args):
    from safetensors.torch import load_file

    prompts = load_file(args.prompts)["prompts"].to(torch.int64).cuda()
    try:
        model = LlamaForCausalLM.from_pretrained(args.model, dtype=torch.bfloat16, attn_implementation="sdpa")
    except TypeError:  # transformers 4 names it torch_dtype
        model = LlamaForCausalLM.from_pretrained(args.model, torch_dtype=torch.bfloat16, attn_implementation="sdpa")
    model = model.cuda().eval()
    mask = torch.ones_like(prompts)

    def run(n):
        torch.cuda.synchronize()
        t = time.perf_counter()
        with torch.no_grad():
            out = model.generate(input_ids=prompts, attention_mask=mask, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                                 pad_token_id=0)
        torch.cuda.synchronize()
        return time.perf_counter() - t, out

    run(2)  # warm-up
    prefill_s, _ = run(1)
    total_s, out = run(args.gen)
    decode_tokens = prompts.shape[0] * (args.gen - 1)
    print(json.dumps({"check": "e2e_peer", "peer": "transformers generate (bf16, sdpa, DynamicCache)",
                      "requests": prompts.shape[0], "prompt": prompts.shape[1], "gen": args.gen,
                      "prefill_s": prefill_s, "total_s": total_s,
                      "decode_tokens_per_s": decode_tokens / max(total_s - prefill_s, 1e-9),
                      "peak_memory_bytes": torch.cuda.max_memory_allocated(),
                      "tokens_req0": out[0, prompts.shape[1]:prompts.shape[1] + 16].tolist()}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("--shape", choices=sorted(SHAPES), required=True)
    w.add_argument("--out", required=True)
    w.add_argument("--seed", type=int, default=1234)
    w.add_argument("--e2e", action="store_true")
    g = sub.add_parser("generate")
    g.add_argument("--model", required=True)
    g.add_argument("--prompts", required=True)
    g.add_argument("--gen", type=int, default=128)
    args = ap.parse_args()
    write(args) if args.cmd == "write" else generate(args)


if __name__ == "__main__":
    main()
