// The checkpoint loader names the file and the fault for missing, truncated or corrupt files.
import * as fs from 'fs';
import * as path from 'path';
import { loadCheckpoint } from '../src/checkpoint/load-checkpoint';
import { LlmEngine } from '../src/llm-engine';
import { makeTinyModel, tmpDir } from './helpers';

function fresh(spec = {}): string {
  return makeTinyModel(spec).dir;
}

describe('checkpoint loader errors', () => {
  it('loads a good checkpoint (single file and sharded)', () => {
    expect(Object.keys(loadCheckpoint(fresh()).tensors)).toContain('model.layers.1.mlp.down_proj.weight');
    const sharded = loadCheckpoint(fresh({ shards: 3 }));
    expect(sharded.files).toHaveLength(3);
    expect(sharded.eosTokenIds.sort()).toEqual([257, 260]);
  });

  it('missing directory, config.json, tokenizer.json, weights', () => {
    expect(() => loadCheckpoint('/nonexistent/model')).toThrow(/\/nonexistent\/model: is not a directory/);
    for (const [file, msg] of [
      ['config.json', /config\.json: is missing/],
      ['tokenizer.json', /tokenizer\.json: is missing/],
      ['tokenizer_config.json', /tokenizer_config\.json: is missing/],
      ['model.safetensors', /has neither model\.safetensors nor model\.safetensors\.index\.json/],
    ] as const) {
      const dir = fresh();
      fs.rmSync(path.join(dir, file));
      expect(() => loadCheckpoint(dir)).toThrow(msg);
    }
  });

  it('malformed config.json', () => {
    const dir = fresh();
    fs.writeFileSync(path.join(dir, 'config.json'), '{"architectures": ["LlamaForCausalLM"], ');
    expect(() => loadCheckpoint(dir)).toThrow(/config\.json: is not valid JSON/);
    const cfg = { architectures: ['GPT2LMHeadModel'] };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    expect(() => loadCheckpoint(dir)).toThrow(/config\.json: architectures \["GPT2LMHeadModel"\] is not supported/);
    const good = JSON.parse(fs.readFileSync(path.join(fresh(), 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...good, hidden_size: -3 }));
    expect(() => loadCheckpoint(dir)).toThrow(/config\.json: hidden_size must be a positive integer/);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...good, rope_scaling: { rope_type: 'yarn', factor: 4 } }));
    expect(() => loadCheckpoint(dir)).toThrow(/rope_scaling type "yarn" is not supported/);
  });

  it('reads RoPE settings in the transformers 4 layout and in transformers 5 rope_parameters alike', () => {
    const dir = fresh();
    const good = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    delete good.rope_theta;
    delete good.rope_scaling;
    const llama3 = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    const read = (extra: object) => {
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...good, ...extra }));
      const { ropeTheta, ropeScaling } = loadCheckpoint(dir).config;
      return { ropeTheta, ropeScaling };
    };
    const v4 = read({ rope_theta: 500000, rope_scaling: llama3 });
    expect(v4).toEqual({ ropeTheta: 500000, ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 } });
    expect(read({ rope_parameters: { ...llama3, rope_theta: 500000 } })).toEqual(v4);
    expect(read({ rope_parameters: { rope_type: 'default', rope_theta: 1e6 } })).toEqual({ ropeTheta: 1e6, ropeScaling: null });
    expect(read({ rope_theta: 10000, rope_scaling: { rope_type: 'default' } })).toEqual({ ropeTheta: 10000, ropeScaling: null });
    expect(() => read({ rope_parameters: { rope_type: 'default', rope_theta: -1 } })).toThrow(/rope_parameters\.rope_theta must be a positive number/);
  });

  it('truncated safetensors', () => {
    const dir = fresh();
    const file = path.join(dir, 'model.safetensors');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    expect(() => loadCheckpoint(dir)).toThrow(/model\.safetensors: truncated: tensor .* ends at byte \d+ but the file has \d+/);
    fs.writeFileSync(file, bytes.subarray(0, 5));
    expect(() => loadCheckpoint(dir)).toThrow(/model\.safetensors: truncated: 5 bytes/);
    fs.writeFileSync(file, bytes.subarray(0, 200));
    expect(() => loadCheckpoint(dir)).toThrow(/model\.safetensors: header length \d+ does not fit in the file \(200 bytes\)/);
  });

  it('corrupt safetensors header', () => {
    const dir = fresh();
    const file = path.join(dir, 'model.safetensors');
    const bytes = Buffer.from(fs.readFileSync(file));
    const corrupt = Buffer.from(bytes);
    corrupt[8] = 0x7a; // '{' -> 'z'
    fs.writeFileSync(file, corrupt);
    expect(() => loadCheckpoint(dir)).toThrow(/model\.safetensors: header is not valid JSON/);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString());
    const name = 'model.layers.0.self_attn.q_proj.weight';
    const rewrite = (h: object) => {
      let json = Buffer.from(JSON.stringify(h));
      json = Buffer.concat([json, Buffer.alloc(Math.max(0, headerLen - json.length), 0x20)]);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      fs.writeFileSync(file, Buffer.concat([len, json, bytes.subarray(8 + headerLen)]));
    };
    rewrite({ ...header, [name]: { ...header[name], dtype: 'Q4_K' } });
    expect(() => loadCheckpoint(dir)).toThrow(/tensor model\.layers\.0\.self_attn\.q_proj\.weight has an unknown dtype "Q4_K"/);
    rewrite({ ...header, [name]: { ...header[name], dtype: 'I32' } });
    expect(() => loadCheckpoint(dir)).toThrow(/has dtype I32; weights must be F32, F16 or BF16/);
    rewrite({ ...header, [name]: { ...header[name], data_offsets: [0, 12] } });
    expect(() => loadCheckpoint(dir)).toThrow(/data_offsets span 12 bytes but F32\[128,128\] needs 65536/);
  });

  it('a tensor of the wrong shape or a missing tensor is named by the addon', async () => {
    const dir = fresh();
    const cfgFile = path.join(dir, 'config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, intermediate_size: 200 }));
    await expect(LlmEngine.load({ dataDir: tmpDir('d'), modelPath: dir })).rejects.toThrow(
      /model\.safetensors: tensor model\.layers\.0\.mlp\.gate_proj\.weight has shape \[176, 128\], config\.json implies \[200, 128\]/,
    );
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
    await expect(LlmEngine.load({ dataDir: tmpDir('d'), modelPath: dir })).rejects.toThrow(/tensor model\.layers\.2\.input_layernorm\.weight is missing/);
  });

  it('bad engine options are clear errors, not crashes', async () => {
    const dir = fresh();
    const load = (o: object) => LlmEngine.load({ dataDir: tmpDir('d'), modelPath: dir, ...o });
    await expect(load({ kvDtype: 'int4' })).rejects.toThrow(/int4/);
    await expect(load({ chunkSize: 0 })).rejects.toThrow(/chunk/i);
    await expect(load({ kvCacheBytes: 1000 })).rejects.toThrow(/pool|chunk/i);
    // A pool past the machine's memory is refused at load, not committed into the OOM killer.
    await expect(load({ kvCacheBytes: 2 ** 52 })).rejects.toThrow(/KV pool \(\d+ MiB\) does not fit the memory available \(\d+ MiB.*lower kvCacheBytes/);
    await expect(load({ maxBatch: 0 })).rejects.toThrow(/maxBatch must be at least 1/);
    await expect(load({ device: 'tpu' })).rejects.toThrow(/must be one of auto, cpu, cuda/);
  });

  it('a shard listed in the index but absent', () => {
    const dir = fresh({ shards: 2 });
    fs.rmSync(path.join(dir, 'model-00002-of-00002.safetensors'));
    expect(() => loadCheckpoint(dir)).toThrow(/model-00002-of-00002\.safetensors: is missing \(listed in model\.safetensors\.index\.json\)/);
  });
});
