// A Hugging Face Llama checkpoint's arrays as a GGUF file llama.cpp loads: the llama.* hyper-
// parameters, a SentencePiece ("llama") vocabulary of the model's size, and the tensors under
// their GGUF names, with q_proj / k_proj rows permuted as llama.cpp's convert_hf_to_gguf.py
// (LlamaModel.permute) does for its RoPE layout.
'use strict';
const { writeGguf, u32, f32, str, array } = require('./gguf-writer');

// SentencePiece token types (llama_token_type / gguf-py TokenType).
const TokenType = { normal: 1, unknown: 2, control: 3, byte: 6 };
const UNK_ID = 0, BOS_ID = 1, EOS_ID = 2;
const FIRST_FILLER_ID = 3 + 256;

/**
 * Hugging Face's q/k rows pair dimension i with i + headDim/2 (rotate_half); llama.cpp's RoPE
 * pairs 2i with 2i + 1. Per head: reshape(2, headDim/2, cols), swap the first two axes.
 */
function permuteForGgufRope(w, rows, cols, nHeads) {
  const headDim = rows / nHeads, half = headDim / 2;
  if (!Number.isInteger(half) || w.length !== rows * cols) throw new Error(`permute: ${rows}x${cols} does not split into ${nHeads} heads of even size`);
  const out = new Float32Array(w.length);
  for (let h = 0; h < nHeads; h++)
    for (let i = 0; i < half; i++)
      for (let j = 0; j < 2; j++) {
        const from = (h * headDim + j * half + i) * cols;
        out.set(w.subarray(from, from + cols), (h * headDim + 2 * i + j) * cols);
      }
  return out;
}

/** <unk>, <s>, </s>, the 256 byte tokens <0x00>..<0xFF>, then distinct pieces ("\u2581", "\u2581t260", ...). */
function spmVocab(size) {
  if (size < FIRST_FILLER_ID) throw new Error(`vocab: at least ${FIRST_FILLER_ID} tokens`);
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [TokenType.unknown, TokenType.control, TokenType.control];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TokenType.byte);
  }
  // "▁" (SentencePiece's space) first, so that text round-trips through byte fallback.
  for (let i = FIRST_FILLER_ID; i < size; i++) {
    tokens.push(i === FIRST_FILLER_ID ? '\u2581' : `\u2581t${i}`);
    types.push(TokenType.normal);
  }
  const scores = tokens.map((_, i) => (i < FIRST_FILLER_ID ? 0 : -(i - FIRST_FILLER_ID)));
  return { tokens, scores, types };
}

/** The GGUF name and shape of a Hugging Face Llama tensor (permuting q/k rows). */
function ggufTensor(name, t, spec) {
  const layer = name.match(/^model\.layers\.(\d+)\.(.+)$/);
  const headDim = spec.hidden / spec.heads;
  if (!layer) {
    const top = { 'model.embed_tokens.weight': 'token_embd.weight', 'model.norm.weight': 'output_norm.weight', 'lm_head.weight': 'output.weight' }[name];
    if (!top) throw new Error(`gguf: no GGUF name for ${name}`);
    return { name: top, shape: t.shape, data: t.data };
  }
  const [, n, rest] = layer;
  const map = {
    'input_layernorm.weight': 'attn_norm',
    'self_attn.q_proj.weight': 'attn_q',
    'self_attn.k_proj.weight': 'attn_k',
    'self_attn.v_proj.weight': 'attn_v',
    'self_attn.o_proj.weight': 'attn_output',
    'post_attention_layernorm.weight': 'ffn_norm',
    'mlp.gate_proj.weight': 'ffn_gate',
    'mlp.up_proj.weight': 'ffn_up',
    'mlp.down_proj.weight': 'ffn_down',
  };
  if (!map[rest]) throw new Error(`gguf: no GGUF name for ${name}`);
  const heads = rest === 'self_attn.q_proj.weight' ? spec.heads : rest === 'self_attn.k_proj.weight' ? spec.kvHeads : 0;
  const data = heads ? permuteForGgufRope(t.data, heads * headDim, spec.hidden, heads) : t.data;
  return { name: `blk.${n}.${map[rest]}.weight`, shape: t.shape, data };
}

/** Metadata llama.cpp's "llama" architecture and SPM tokenizer read. */
function llamaMetadata(spec) {
  const vocab = spmVocab(spec.vocab);
  return [
    ['general.architecture', str('llama')],
    ['general.name', str(spec.name ?? 'random-llama')],
    ['general.file_type', u32(0)], // all F32
    ['llama.vocab_size', u32(spec.vocab)],
    ['llama.context_length', u32(spec.maxPositions ?? 4096)],
    ['llama.embedding_length', u32(spec.hidden)],
    ['llama.block_count', u32(spec.layers)],
    ['llama.feed_forward_length', u32(spec.intermediate)],
    ['llama.attention.head_count', u32(spec.heads)],
    ['llama.attention.head_count_kv', u32(spec.kvHeads)],
    ['llama.attention.layer_norm_rms_epsilon', f32(spec.rmsEps ?? 1e-5)],
    ['llama.rope.freq_base', f32(spec.ropeTheta ?? 10000)],
    ['llama.rope.dimension_count', u32(spec.hidden / spec.heads)],
    ['tokenizer.ggml.model', str('llama')],
    ['tokenizer.ggml.tokens', array('string', vocab.tokens)],
    ['tokenizer.ggml.scores', array('f32', vocab.scores)],
    ['tokenizer.ggml.token_type', array('i32', vocab.types)],
    ['tokenizer.ggml.unknown_token_id', u32(UNK_ID)],
    ['tokenizer.ggml.bos_token_id', u32(BOS_ID)],
    ['tokenizer.ggml.eos_token_id', u32(EOS_ID)],
  ];
}

/**
 * Writes the Llama whose Hugging Face tensors (name -> { shape, data: Float32Array }, as
 * libs/engine's writeRandomLlama returns them) are given, as a GGUF file. spec: hidden, layers,
 * heads, kvHeads, intermediate, vocab (>= 259), optional maxPositions, ropeTheta, rmsEps, name.
 */
function writeLlamaGguf(file, spec, tensors) {
  const ordered = [];
  for (const [name, t] of tensors) {
    if (t.dtype && t.dtype !== 'F32') throw new Error(`gguf: ${name} is ${t.dtype}; this writer takes F32 weights`);
    ordered.push(ggufTensor(name, t, spec));
  }
  return writeGguf(file, { metadata: llamaMetadata(spec), tensors: ordered });
}

module.exports = { writeLlamaGguf, permuteForGgufRope, spmVocab, ggufTensor, FIRST_FILLER_ID, BOS_ID, EOS_ID };
