// An independent float64 forward pass of a Llama-family decoder (Hugging Face semantics:
// RMSNorm, rotate_half RoPE with llama3/linear scaling, GQA, SwiGLU, optional qkv bias), written
// from the equations, used to check the engine's logits. Slow and simple on purpose.
import { roundTo } from '../src/checkpoint/safetensors';
import type { TensorToWrite } from '../src/checkpoint/safetensors';

export interface RefConfig {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab: number;
  ropeTheta: number;
  rmsEps: number;
  tieEmbeddings: boolean;
  qkvBias: boolean;
  ropeScaling?: { type: 'linear' | 'llama3'; factor: number; lowFreqFactor?: number; highFreqFactor?: number; originalMaxPositions?: number };
}

type Mat = Float64Array; // row-major

function weights(tensors: Map<string, TensorToWrite>): Map<string, Mat> {
  const out = new Map<string, Mat>();
  for (const [name, t] of tensors) out.set(name, Float64Array.from(t.data, (x) => roundTo(t.dtype, x)));
  return out;
}

function invFreq(cfg: RefConfig, headDim: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < headDim / 2; i++) {
    let f = 1 / Math.pow(cfg.ropeTheta, (2 * i) / headDim);
    const s = cfg.ropeScaling;
    if (s?.type === 'linear') f /= s.factor;
    if (s?.type === 'llama3') {
      const low = s.lowFreqFactor ?? 1, high = s.highFreqFactor ?? 4, old = s.originalMaxPositions ?? 8192;
      const wavelen = (2 * Math.PI) / f;
      if (wavelen > old / low) f /= s.factor;
      else if (wavelen >= old / high) {
        const smooth = (old / wavelen - low) / (high - low);
        f = ((1 - smooth) * f) / s.factor + smooth * f;
      }
    }
    out.push(f);
  }
  return out;
}

/** Logits [tokens.length][vocab] of every position of the sequence. */
export function referenceLogits(cfg: RefConfig, tensors: Map<string, TensorToWrite>, tokens: number[]): number[][] {
  const W = weights(tensors);
  const H = cfg.hidden, hd = H / cfg.heads, T = tokens.length, group = cfg.heads / cfg.kvHeads;
  const get = (n: string) => {
    const w = W.get(n);
    if (!w) throw new Error(`reference: missing ${n}`);
    return w;
  };
  // y[t] = W x[t] (+ b), W: [out, in]
  const linear = (x: number[][], w: Mat, out: number, bias?: Mat) =>
    x.map((row) => {
      const y = new Array(out).fill(0);
      for (let o = 0; o < out; o++) {
        let s = bias ? bias[o] : 0;
        for (let i = 0; i < row.length; i++) s += w[o * row.length + i] * row[i];
        y[o] = s;
      }
      return y;
    });
  const rms = (x: number[][], w: Mat) =>
    x.map((row) => {
      const ms = row.reduce((a, v) => a + v * v, 0) / row.length;
      const inv = 1 / Math.sqrt(ms + cfg.rmsEps);
      return row.map((v, i) => v * inv * w[i]);
    });
  const freqs = invFreq(cfg, hd);
  const rope = (x: number[][], nHeads: number) =>
    x.map((row, pos) => {
      const out = row.slice();
      for (let h = 0; h < nHeads; h++)
        for (let i = 0; i < hd / 2; i++) {
          const a = row[h * hd + i], b = row[h * hd + i + hd / 2];
          const c = Math.cos(pos * freqs[i]), s = Math.sin(pos * freqs[i]);
          out[h * hd + i] = a * c - b * s;
          out[h * hd + i + hd / 2] = b * c + a * s;
        }
      return out;
    });

  const emb = get('model.embed_tokens.weight');
  let x: number[][] = tokens.map((t) => Array.from(emb.subarray(t * H, (t + 1) * H)));
  for (let l = 0; l < cfg.layers; l++) {
    const p = `model.layers.${l}.`;
    const xn = rms(x, get(p + 'input_layernorm.weight'));
    const q = rope(linear(xn, get(p + 'self_attn.q_proj.weight'), cfg.heads * hd, cfg.qkvBias ? get(p + 'self_attn.q_proj.bias') : undefined), cfg.heads);
    const k = rope(linear(xn, get(p + 'self_attn.k_proj.weight'), cfg.kvHeads * hd, cfg.qkvBias ? get(p + 'self_attn.k_proj.bias') : undefined), cfg.kvHeads);
    const v = linear(xn, get(p + 'self_attn.v_proj.weight'), cfg.kvHeads * hd, cfg.qkvBias ? get(p + 'self_attn.v_proj.bias') : undefined);
    const att = q.map((qt, t) => {
      const out = new Array(cfg.heads * hd).fill(0);
      for (let h = 0; h < cfg.heads; h++) {
        const kh = Math.floor(h / group);
        const scores: number[] = [];
        for (let j = 0; j <= t; j++) {
          let s = 0;
          for (let i = 0; i < hd; i++) s += qt[h * hd + i] * k[j][kh * hd + i];
          scores.push(s / Math.sqrt(hd));
        }
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= t; j++) for (let i = 0; i < hd; i++) out[h * hd + i] += (e[j] / z) * v[j][kh * hd + i];
      }
      return out;
    });
    const o = linear(att, get(p + 'self_attn.o_proj.weight'), H);
    x = x.map((row, t) => row.map((v2, i) => v2 + o[t][i]));
    const hn = rms(x, get(p + 'post_attention_layernorm.weight'));
    const g = linear(hn, get(p + 'mlp.gate_proj.weight'), cfg.intermediate);
    const u = linear(hn, get(p + 'mlp.up_proj.weight'), cfg.intermediate);
    const act = g.map((row, t) => row.map((gv, i) => (gv / (1 + Math.exp(-gv))) * u[t][i]));
    const d = linear(act, get(p + 'mlp.down_proj.weight'), H);
    x = x.map((row, t) => row.map((v2, i) => v2 + d[t][i]));
  }
  const xf = rms(x, get('model.norm.weight'));
  return linear(xf, get(cfg.tieEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'), cfg.vocab);
}

export function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}
