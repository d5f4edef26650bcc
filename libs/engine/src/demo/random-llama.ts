// Writes a Llama checkpoint with seeded random weights in Hugging Face format (config.json,
// safetensors, byte-level tokenizer): the demo model, the benchmark's larger model and the
// tests' tiny models all come from here and load through the ordinary loader.
import * as fs from 'fs';
import * as path from 'path';
import { TensorToWrite, WeightDtype, writeSafetensors } from '../checkpoint/safetensors';
import { BYTE_BOS_ID, BYTE_EOS_IDS, BYTE_VOCAB_SIZE, byteTokenizerConfig, byteTokenizerJson } from './byte-tokenizer';

export interface RandomLlamaSpec {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab?: number; // default: the byte tokenizer's vocabulary
  maxPositions?: number;
  ropeTheta?: number;
  ropeScaling?: Record<string, unknown>;
  tieEmbeddings?: boolean;
  architecture?: 'LlamaForCausalLM' | 'MistralForCausalLM' | 'Qwen2ForCausalLM';
  dtype?: WeightDtype;
  seed?: number;
  /** Split the weights over this many shard files with an index (default 1: model.safetensors). */
  shards?: number;
  extraConfig?: Record<string, unknown>;
}

/** mulberry32: a small seeded PRNG, so the same seed writes the same bytes on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomLlamaTensors(spec: RandomLlamaSpec): Map<string, TensorToWrite> {
  const rand = seededRandom(spec.seed ?? 1);
  const dtype = spec.dtype ?? 'F32';
  const vocab = spec.vocab ?? BYTE_VOCAB_SIZE;
  const headDim = spec.hidden / spec.heads;
  const out = new Map<string, TensorToWrite>();
  // Uniform in [-a, a] with a = scale * sqrt(3 / fan_in): unit-variance activations.
  const uniform = (shape: number[], scale: number): TensorToWrite => {
    const n = shape.reduce((x, y) => x * y, 1);
    const a = scale * Math.sqrt(3 / shape[shape.length - 1]);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (rand() * 2 - 1) * a;
    return { dtype, shape, data };
  };
  const norm = (n: number): TensorToWrite => {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = 0.8 + 0.4 * rand();
    return { dtype, shape: [n], data };
  };
  const H = spec.hidden, Q = spec.heads * headDim, KV = spec.kvHeads * headDim, F = spec.intermediate;
  out.set('model.embed_tokens.weight', uniform([vocab, H], Math.sqrt(H / 3)));
  for (let l = 0; l < spec.layers; l++) {
    const p = `model.layers.${l}.`;
    out.set(p + 'input_layernorm.weight', norm(H));
    out.set(p + 'self_attn.q_proj.weight', uniform([Q, H], 1));
    out.set(p + 'self_attn.k_proj.weight', uniform([KV, H], 1));
    out.set(p + 'self_attn.v_proj.weight', uniform([KV, H], 1));
    if (spec.architecture === 'Qwen2ForCausalLM') {
      out.set(p + 'self_attn.q_proj.bias', uniform([Q], 0.05));
      out.set(p + 'self_attn.k_proj.bias', uniform([KV], 0.05));
      out.set(p + 'self_attn.v_proj.bias', uniform([KV], 0.05));
    }
    out.set(p + 'self_attn.o_proj.weight', uniform([H, Q], 0.5));
    out.set(p + 'post_attention_layernorm.weight', norm(H));
    out.set(p + 'mlp.gate_proj.weight', uniform([F, H], 1));
    out.set(p + 'mlp.up_proj.weight', uniform([F, H], 1));
    out.set(p + 'mlp.down_proj.weight', uniform([H, F], 0.5));
  }
  out.set('model.norm.weight', norm(H));
  if (!spec.tieEmbeddings) out.set('lm_head.weight', uniform([vocab, H], 2));
  return out;
}

export function randomLlamaConfig(spec: RandomLlamaSpec): Record<string, unknown> {
  const arch = spec.architecture ?? 'LlamaForCausalLM';
  return {
    architectures: [arch],
    model_type: arch === 'Qwen2ForCausalLM' ? 'qwen2' : arch === 'MistralForCausalLM' ? 'mistral' : 'llama',
    hidden_size: spec.hidden,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    num_key_value_heads: spec.kvHeads,
    intermediate_size: spec.intermediate,
    vocab_size: spec.vocab ?? BYTE_VOCAB_SIZE,
    max_position_embeddings: spec.maxPositions ?? 4096,
    rms_norm_eps: 1e-5,
    rope_theta: spec.ropeTheta ?? 10000,
    rope_scaling: spec.ropeScaling ?? null,
    tie_word_embeddings: spec.tieEmbeddings ?? false,
    hidden_act: 'silu',
    torch_dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[spec.dtype ?? 'F32'],
    bos_token_id: BYTE_BOS_ID,
    eos_token_id: BYTE_EOS_IDS,
    ...spec.extraConfig,
  };
}

/** Writes the checkpoint into dir (created); returns the tensors written (float values). */
export function writeRandomLlama(dir: string, spec: RandomLlamaSpec, readme?: string): Map<string, TensorToWrite> {
  fs.mkdirSync(dir, { recursive: true });
  const tensors = randomLlamaTensors(spec);
  const shards = spec.shards ?? 1;
  if (shards <= 1) {
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  } else {
    const names = [...tensors.keys()];
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part = new Map(names.filter((_, i) => i % shards === s).map((n) => [n, tensors.get(n)!]));
      for (const n of part.keys()) weightMap[n] = file;
      writeSafetensors(path.join(dir, file), part, { format: 'pt' });
    }
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2));
  }
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(randomLlamaConfig(spec), null, 2));
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: BYTE_BOS_ID, eos_token_id: BYTE_EOS_IDS }, null, 2));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(byteTokenizerJson()));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(byteTokenizerConfig(), null, 2));
  if (readme) fs.writeFileSync(path.join(dir, 'README.md'), readme);
  return tensors;
}
