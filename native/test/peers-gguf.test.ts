// The peer benchmark's GGUF writer (native/bench/peers), read back with an independent reader:
// header, typed metadata, tensor infos, alignment and data; the Llama file's llama.cpp keys,
// vocabulary and tensor names; and q/k rows permuted so that llama.cpp's RoPE (adjacent pairs)
// gives the attention scores Hugging Face's rotate_half gives on the original rows.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GgufFile, readGguf, tensorF32 } from './helpers/gguf-reader';

const { writeGguf, u32, i32, f32, bool, str, array } = require('../bench/peers/gguf-writer');
const { writeLlamaGguf, permuteForGgufRope } = require('../bench/peers/llama-gguf');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function randomArray(n: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, rand);
}

function tmpFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chunkserve-gguf-')), name);
}

describe('GGUF writer', () => {
  it.each([32, 64])('header, typed metadata, tensor infos and data aligned to %i bytes read back', (alignment) => {
    const rand = rng(alignment);
    const tensors = [
      { name: 'a.weight', shape: [3, 5], data: randomArray(15, rand) },
      { name: 'b', shape: [7], data: randomArray(7, rand) },
      { name: 'c.three_d', shape: [2, 3, 4], data: randomArray(24, rand) },
    ];
    const metadata = [
      ['general.architecture', str('test')],
      ['test.u32', u32(4000000000)],
      ['test.i32', i32(-5)],
      ['test.f32', f32(0.5)],
      ['test.bool', bool(true)],
      ['test.strings', array('string', ['a', 'ü€', ''])],
      ['test.floats', array('f32', [1.5, -2])],
      ['test.ints', array('i32', [1, -1, 3])],
    ];
    const file = tmpFile('t.gguf');
    const written = writeGguf(file, { metadata, tensors, alignment });
    const g = readGguf(fs.readFileSync(file));

    expect(g.magic).toBe('GGUF');
    expect(g.version).toBe(3);
    expect(g.alignment).toBe(alignment);
    expect(g.metadata.has('general.alignment')).toBe(alignment !== 32);
    const expected: Record<string, [number, unknown]> = {
      'general.architecture': [8, 'test'],
      'test.u32': [4, 4000000000],
      'test.i32': [5, -5],
      'test.f32': [6, 0.5],
      'test.bool': [7, true],
      'test.strings': [9, ['a', 'ü€', '']],
      'test.floats': [9, [1.5, -2]],
      'test.ints': [9, [1, -1, 3]],
    };
    for (const [key, [type, value]] of Object.entries(expected)) expect(g.metadata.get(key)).toEqual({ type, value });

    expect(g.dataStart % alignment).toBe(0);
    expect(written.dataStart).toBe(g.dataStart);
    expect(g.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    let end = 0;
    g.tensors.forEach((t, i) => {
      expect(t.dims).toEqual([...tensors[i].shape].reverse()); // innermost first
      expect(t.type).toBe(0);
      expect(t.offset % alignment).toBe(0);
      expect(t.offset).toBeGreaterThanOrEqual(end); // no overlap
      expect(written.offsets[i]).toBe(g.dataStart + t.offset);
      expect(tensorF32(g, t.name)).toEqual(tensors[i].data);
      end = t.offset + 4 * tensors[i].data.length;
    });
  });

  it('refuses a tensor whose data does not match its shape', () => {
    const tensors = [{ name: 'x', shape: [2, 3], data: new Float32Array(5) }];
    expect(() => writeGguf(tmpFile('bad.gguf'), { metadata: [], tensors })).toThrow(/x needs a Float32Array of 6 values/);
  });
});

// HF rotate_half RoPE: dimension i pairs with i + d/2; llama.cpp's (LLAMA_ROPE_TYPE_NORM): 2i with 2i + 1.
function ropeRotateHalf(x: Float64Array, pos: number, base: number): Float64Array {
  const d = x.length, h = d / 2, out = new Float64Array(d);
  for (let i = 0; i < h; i++) {
    const a = pos * base ** (-(2 * i) / d), c = Math.cos(a), s = Math.sin(a);
    out[i] = x[i] * c - x[i + h] * s;
    out[i + h] = x[i + h] * c + x[i] * s;
  }
  return out;
}

function ropeAdjacent(x: Float64Array, pos: number, base: number): Float64Array {
  const d = x.length, out = new Float64Array(d);
  for (let i = 0; i < d / 2; i++) {
    const a = pos * base ** (-(2 * i) / d), c = Math.cos(a), s = Math.sin(a);
    out[2 * i] = x[2 * i] * c - x[2 * i + 1] * s;
    out[2 * i + 1] = x[2 * i] * s + x[2 * i + 1] * c;
  }
  return out;
}

/** Rows [row0, row0 + n) of a [rows, cols] matrix times x. */
function matvec(w: Float32Array, cols: number, row0: number, n: number, x: Float32Array): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) for (let c = 0; c < cols; c++) out[r] += w[(row0 + r) * cols + c] * x[c];
  return out;
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('Llama as GGUF', () => {
  const spec = { hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, vocab: 300, maxPositions: 2048, ropeTheta: 10000, rmsEps: 1e-5 };
  const headDim = spec.hidden / spec.heads;
  const rand = rng(7);
  const hf = new Map<string, { shape: number[]; data: Float32Array }>();
  const put = (name: string, shape: number[]) => hf.set(name, { shape, data: randomArray(shape.reduce((a, b) => a * b, 1), rand) });
  put('model.embed_tokens.weight', [spec.vocab, spec.hidden]);
  for (let l = 0; l < spec.layers; l++) {
    const p = `model.layers.${l}.`;
    put(p + 'input_layernorm.weight', [spec.hidden]);
    put(p + 'self_attn.q_proj.weight', [spec.heads * headDim, spec.hidden]);
    put(p + 'self_attn.k_proj.weight', [spec.kvHeads * headDim, spec.hidden]);
    put(p + 'self_attn.v_proj.weight', [spec.kvHeads * headDim, spec.hidden]);
    put(p + 'self_attn.o_proj.weight', [spec.hidden, spec.heads * headDim]);
    put(p + 'post_attention_layernorm.weight', [spec.hidden]);
    put(p + 'mlp.gate_proj.weight', [spec.intermediate, spec.hidden]);
    put(p + 'mlp.up_proj.weight', [spec.intermediate, spec.hidden]);
    put(p + 'mlp.down_proj.weight', [spec.hidden, spec.intermediate]);
  }
  put('model.norm.weight', [spec.hidden]);
  put('lm_head.weight', [spec.vocab, spec.hidden]);
  let g: GgufFile;
  beforeAll(() => {
    const file = tmpFile('llama.gguf');
    writeLlamaGguf(file, spec, hf);
    g = readGguf(fs.readFileSync(file));
  });
  const meta = (key: string) => g.metadata.get(key)?.value;

  it('carries the llama.* hyper-parameters llama.cpp reads', () => {
    expect(meta('general.architecture')).toBe('llama');
    expect(meta('general.file_type')).toBe(0);
    expect(meta('llama.vocab_size')).toBe(300);
    expect(meta('llama.context_length')).toBe(2048);
    expect(meta('llama.embedding_length')).toBe(64);
    expect(meta('llama.block_count')).toBe(2);
    expect(meta('llama.feed_forward_length')).toBe(96);
    expect(meta('llama.attention.head_count')).toBe(4);
    expect(meta('llama.attention.head_count_kv')).toBe(2);
    expect(meta('llama.rope.dimension_count')).toBe(16);
    expect(meta('llama.rope.freq_base')).toBe(10000);
    expect(meta('llama.attention.layer_norm_rms_epsilon')).toBeCloseTo(1e-5, 10);
  });

  it('has a SentencePiece vocabulary of the model size: <unk>, <s>, </s>, 256 byte tokens, distinct pieces', () => {
    expect(meta('tokenizer.ggml.model')).toBe('llama');
    const tokens = meta('tokenizer.ggml.tokens') as string[];
    const types = meta('tokenizer.ggml.token_type') as number[];
    expect(tokens).toHaveLength(300);
    expect(meta('tokenizer.ggml.scores')).toHaveLength(300);
    expect(new Set(tokens).size).toBe(300);
    expect(tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect(types.slice(0, 3)).toEqual([2, 3, 3]);
    expect(tokens[3 + 0x0a]).toBe('<0x0A>'); // llama.cpp looks up the newline byte token by this name
    expect(types.slice(3, 259).every((t) => t === 6)).toBe(true);
    expect(types.slice(259).every((t) => t === 1)).toBe(true);
    expect([meta('tokenizer.ggml.unknown_token_id'), meta('tokenizer.ggml.bos_token_id'), meta('tokenizer.ggml.eos_token_id')]).toEqual([0, 1, 2]);
  });

  it('names every tensor as llama.cpp does, dimensions innermost first, data as given (q/k aside)', () => {
    const names = g.tensors.map((t) => t.name).sort();
    const perLayer = ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'];
    const want = ['token_embd.weight', 'output_norm.weight', 'output.weight', ...[0, 1].flatMap((l) => perLayer.map((n) => `blk.${l}.${n}.weight`))];
    expect(names).toEqual(want.sort());
    expect(g.tensors.find((t) => t.name === 'token_embd.weight')!.dims).toEqual([64, 300]);
    expect(g.tensors.find((t) => t.name === 'blk.1.attn_k.weight')!.dims).toEqual([64, 32]);
    expect(g.tensors.find((t) => t.name === 'blk.1.ffn_down.weight')!.dims).toEqual([96, 64]);
    expect(tensorF32(g, 'blk.1.attn_v.weight')).toEqual(hf.get('model.layers.1.self_attn.v_proj.weight')!.data);
    expect(tensorF32(g, 'output.weight')).toEqual(hf.get('lm_head.weight')!.data);
  });

  it('permutes q/k rows so that llama.cpp RoPE on them gives the scores of rotate_half on the originals', () => {
    const wq = hf.get('model.layers.0.self_attn.q_proj.weight')!.data;
    const wk = hf.get('model.layers.0.self_attn.k_proj.weight')!.data;
    const gq = tensorF32(g, 'blk.0.attn_q.weight');
    const gk = tensorF32(g, 'blk.0.attn_k.weight');
    expect(gq).not.toEqual(wq);
    // Each row moves, none is lost or repeated.
    const rows = (w: Float32Array) => Array.from({ length: w.length / spec.hidden }, (_, r) => w.subarray(r * spec.hidden, (r + 1) * spec.hidden).join()).sort();
    expect(rows(gk)).toEqual(rows(wk));
    const x = randomArray(spec.hidden, rand), y = randomArray(spec.hidden, rand);
    const base = spec.ropeTheta;
    for (let h = 0; h < spec.heads; h++) {
      const kv = Math.floor(h / (spec.heads / spec.kvHeads));
      for (const [m, n] of [[0, 0], [5, 2], [1000, 37]]) {
        const ref = dot(ropeRotateHalf(matvec(wq, spec.hidden, h * headDim, headDim, x), m, base), ropeRotateHalf(matvec(wk, spec.hidden, kv * headDim, headDim, y), n, base));
        const got = dot(ropeAdjacent(matvec(gq, spec.hidden, h * headDim, headDim, x), m, base), ropeAdjacent(matvec(gk, spec.hidden, kv * headDim, headDim, y), n, base));
        expect(Math.abs(got - ref)).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref)));
      }
    }
  });

  it('rejects rows that do not split into heads of even size', () => {
    expect(() => permuteForGgufRope(new Float32Array(6 * 2), 6, 2, 4)).toThrow(/heads of even size/);
  });
});
