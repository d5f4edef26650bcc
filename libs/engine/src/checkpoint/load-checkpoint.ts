// A Hugging Face model directory: config.json, model.safetensors or sharded model-*.safetensors
// with model.safetensors.index.json, tokenizer.json, tokenizer_config.json (chat template) and
// optionally generation_config.json.
import * as fs from 'fs';
import * as path from 'path';

import type { ModelConfig, TensorLocation } from '@chunkserve/native';

import { CheckpointError } from './checkpoint-error';
import { parseModelConfig } from './model-config';
import { readSafetensorsHeader } from './safetensors';

function isWeightDtype(d: string): d is TensorLocation['dtype'] {
  return d === 'F32' || d === 'F16' || d === 'BF16';
}

export interface Checkpoint {
  dir: string;
  config: ModelConfig;
  files: string[];
  tensors: Record<string, TensorLocation>;
  tokenizerJson: unknown;
  tokenizerConfig: Record<string, unknown>;
  /** eos ids from generation_config.json and config.json (may be empty). */
  eosTokenIds: number[];
}

export function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CheckpointError(file, code === 'ENOENT' ? 'is missing' : `cannot be read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(file, `is not valid JSON (${(err as Error).message})`);
  }
}

function idList(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

export function loadCheckpoint(dir: string): Checkpoint {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CheckpointError(dir, 'is not a directory (MODEL_PATH must name a Hugging Face model directory)');
  const configFile = path.join(dir, 'config.json');
  const rawConfig = readJson(configFile);
  const config = parseModelConfig(configFile, rawConfig);

  // Which files hold which tensors.
  const single = path.join(dir, 'model.safetensors');
  const indexFile = path.join(dir, 'model.safetensors.index.json');
  let shardOf: Map<string, string> | null = null;
  let shardFiles: string[];
  if (fs.existsSync(single)) {
    shardFiles = [single];
  } else if (fs.existsSync(indexFile)) {
    const index = readJson(indexFile) as { weight_map?: Record<string, unknown> };
    if (!index || typeof index.weight_map !== 'object' || index.weight_map === null)
      throw new CheckpointError(indexFile, 'has no weight_map object');
    shardOf = new Map();
    for (const [name, f] of Object.entries(index.weight_map)) {
      if (typeof f !== 'string' || f.includes('/') || f.includes('\\')) throw new CheckpointError(indexFile, `weight_map[${name}] is not a file name`);
      shardOf.set(name, path.join(dir, f));
    }
    shardFiles = [...new Set(shardOf.values())].sort();
  } else {
    throw new CheckpointError(dir, 'has neither model.safetensors nor model.safetensors.index.json');
  }

  const tensors: Record<string, TensorLocation> = {};
  const listed = new Set<string>();
  shardFiles.forEach((file, fileIndex) => {
    if (!fs.existsSync(file)) throw new CheckpointError(file, `is missing (listed in ${path.basename(indexFile)})`);
    for (const [name, t] of readSafetensorsHeader(file)) {
      if (shardOf && shardOf.get(name) !== file) continue;
      listed.add(name);
      // Weights are F32, F16 or BF16; other tensors (buffers outside model.*) are not read.
      if (isWeightDtype(t.dtype)) tensors[name] = { file: fileIndex, ...t, dtype: t.dtype };
      else if (name.startsWith('model.')) throw new CheckpointError(file, `tensor ${name} has dtype ${t.dtype}; weights must be F32, F16 or BF16`);
    }
  });
  if (shardOf)
    for (const [name, file] of shardOf)
      if (!listed.has(name)) throw new CheckpointError(file, `does not contain tensor ${name} (listed in ${path.basename(indexFile)})`);

  const tokenizerJson = readJson(path.join(dir, 'tokenizer.json'));
  const tokenizerConfigFile = path.join(dir, 'tokenizer_config.json');
  const tokenizerConfig = readJson(tokenizerConfigFile);
  if (tokenizerConfig === null || typeof tokenizerConfig !== 'object') throw new CheckpointError(tokenizerConfigFile, 'is not a JSON object');

  const eos = new Set<number>(idList((rawConfig as Record<string, unknown>).eos_token_id));
  const genFile = path.join(dir, 'generation_config.json');
  if (fs.existsSync(genFile)) for (const id of idList((readJson(genFile) as Record<string, unknown>).eos_token_id)) eos.add(id);
  return { dir, config, files: shardFiles, tensors, tokenizerJson, tokenizerConfig: tokenizerConfig as Record<string, unknown>, eosTokenIds: [...eos] };
}
