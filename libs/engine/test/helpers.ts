// Shared test helpers: tiny random checkpoints in temp dirs and stream collection.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RandomLlamaSpec, writeRandomLlama } from '../src/demo/random-llama';
import type { TensorToWrite } from '../src/checkpoint/safetensors';
import type { GenerateEvent } from '../src/types';
import type { RefConfig } from './reference-forward';

export const TINY: RandomLlamaSpec = { hidden: 128, layers: 2, heads: 2, kvHeads: 1, intermediate: 176, maxPositions: 1024, seed: 7 };

export interface TinyModel {
  dir: string;
  tensors: Map<string, TensorToWrite>;
  ref: RefConfig;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `chunkserve-${prefix}-`));
}

export function makeTinyModel(spec: Partial<RandomLlamaSpec> = {}): TinyModel {
  const full: RandomLlamaSpec = { ...TINY, ...spec };
  const dir = tmpDir('model');
  const tensors = writeRandomLlama(dir, full);
  const rs = full.ropeScaling as Record<string, number | string> | undefined;
  return {
    dir,
    tensors,
    ref: {
      hidden: full.hidden,
      layers: full.layers,
      heads: full.heads,
      kvHeads: full.kvHeads,
      intermediate: full.intermediate,
      vocab: full.vocab ?? 261,
      ropeTheta: full.ropeTheta ?? 10000,
      rmsEps: 1e-5,
      tieEmbeddings: full.tieEmbeddings ?? false,
      qkvBias: full.architecture === 'Qwen2ForCausalLM',
      ropeScaling: rs
        ? {
            type: rs.rope_type as 'linear' | 'llama3',
            factor: rs.factor as number,
            lowFreqFactor: rs.low_freq_factor as number,
            highFreqFactor: rs.high_freq_factor as number,
            originalMaxPositions: rs.original_max_position_embeddings as number,
          }
        : undefined,
    },
  };
}

export interface Collected {
  tokens: number[][]; // [choice][token ids]
  text: string[];
  events: GenerateEvent[];
  done: Extract<GenerateEvent, { type: 'done' }>[];
}

export async function collect(stream: AsyncIterable<GenerateEvent>): Promise<Collected> {
  const out: Collected = { tokens: [], text: [], events: [], done: [] };
  for await (const e of stream) {
    out.events.push(e);
    out.tokens[e.choice] ??= [];
    out.text[e.choice] ??= '';
    if (e.type === 'token') {
      out.tokens[e.choice].push(e.tokenId);
      out.text[e.choice] += e.text;
    } else {
      out.done[e.choice] = e;
    }
  }
  return out;
}

/** A deterministic pseudo-random token list in [0, 256). */
export function someTokens(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s >>> 24);
  }
  return out;
}
