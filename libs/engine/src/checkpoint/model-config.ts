// config.json of a Llama-family model -> the addon's model config.
import type { ModelConfig } from '@chunkserve/native';

import { CheckpointError } from './checkpoint-error';

const ARCHITECTURES: Record<string, { qkvBias: boolean }> = {
  LlamaForCausalLM: { qkvBias: false },
  MistralForCausalLM: { qkvBias: false },
  Qwen2ForCausalLM: { qkvBias: true },
};

export function parseModelConfig(file: string, raw: unknown): ModelConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CheckpointError(file, 'is not a JSON object');
  const c = raw as Record<string, unknown>;
  const archs = c.architectures;
  const arch = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : undefined;
  if (!arch || !(arch in ARCHITECTURES))
    throw new CheckpointError(file, `architectures ${JSON.stringify(archs)} is not supported (one of ${Object.keys(ARCHITECTURES).join(', ')})`);
  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new CheckpointError(file, `${key} must be a positive integer (got ${JSON.stringify(c[key])})`);
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) throw new CheckpointError(file, `${key} must be a positive number (got ${JSON.stringify(c[key])})`);
    return v;
  };
  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu') throw new CheckpointError(file, `hidden_act ${JSON.stringify(act)} is not supported (silu)`);
  if (c.attention_bias === true) throw new CheckpointError(file, 'attention_bias: true is not supported');
  if (c.mlp_bias === true) throw new CheckpointError(file, 'mlp_bias: true is not supported');

  const hidden = int('hidden_size');
  const nHeads = int('num_attention_heads');
  const nKvHeads = int('num_key_value_heads', nHeads);
  const headDim = int('head_dim', Math.floor(hidden / nHeads));
  let maxPositions = int('max_position_embeddings', 2048);
  // Sliding-window attention (Mistral v0.1) equals full attention within the window: cap the
  // context there so that results stay exact.
  const window = c.sliding_window;
  const useWindow = arch !== 'Qwen2ForCausalLM' || c.use_sliding_window === true;
  if (useWindow && typeof window === 'number' && window > 0 && window < maxPositions) maxPositions = window;

  // RoPE: rope_theta + rope_scaling (transformers 4), or rope_parameters (transformers 5), as
  // native/src/model/checkpoint_dir.cc reads them.
  const params = isObject(c.rope_parameters) ? c.rope_parameters : null;
  const ropeTheta = typeof c.rope_theta === 'number' ? num('rope_theta', 10000) : positiveIn(params, 'rope_theta', 10000, file);
  let ropeScaling: ModelConfig['ropeScaling'] = null;
  const rs = isObject(c.rope_scaling) ? c.rope_scaling : params;
  const type = rs === null ? 'default' : (rs.rope_type ?? rs.type ?? 'default');
  if (rs !== null && type !== 'default') {
    const factor = rs.factor;
    if (typeof factor !== 'number' || !(factor > 0)) throw new CheckpointError(file, 'rope_scaling.factor must be a positive number');
    if (type === 'linear') ropeScaling = { type: 'linear', factor };
    else if (type === 'llama3')
      ropeScaling = {
        type: 'llama3',
        factor,
        lowFreqFactor: Number(rs.low_freq_factor ?? 1),
        highFreqFactor: Number(rs.high_freq_factor ?? 4),
        originalMaxPositions: Number(rs.original_max_position_embeddings ?? 8192),
      };
    else throw new CheckpointError(file, `rope_scaling type ${JSON.stringify(type)} is not supported (linear, llama3)`);
  }
  return {
    architecture: arch,
    hidden,
    nLayers: int('num_hidden_layers'),
    nHeads,
    nKvHeads,
    headDim,
    intermediate: int('intermediate_size'),
    vocab: int('vocab_size'),
    maxPositions,
    rmsEps: num('rms_norm_eps', 1e-6),
    ropeTheta,
    ropeScaling,
    tieEmbeddings: c.tie_word_embeddings === true,
    qkvBias: ARCHITECTURES[arch].qkvBias,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveIn(o: Record<string, unknown> | null, key: string, fallback: number, file: string): number {
  const v = o?.[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v > 0)) throw new CheckpointError(file, `rope_parameters.${key} must be a positive number`);
  return v;
}
