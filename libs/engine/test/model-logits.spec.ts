// The engine's next-token distributions equal an independent float64 forward pass, at the end
// of the prompt (prefill, in pieces) and at every decode step, for each supported variant.
import { LlmEngine } from '../src/llm-engine';
import type { RandomLlamaSpec } from '../src/demo/random-llama';
import { collect, makeTinyModel, someTokens, tmpDir } from './helpers';
import { logSoftmax, referenceLogits } from './reference-forward';

const VARIANTS: [string, Partial<RandomLlamaSpec>][] = [
  ['llama, GQA, fp32', {}],
  ['llama 2 style MHA, two shards', { heads: 2, kvHeads: 2, shards: 2 }],
  ['llama 3 rope scaling, theta 500000', { ropeTheta: 500000, ropeScaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 } }],
  ['qwen2: qkv bias, tied embeddings', { architecture: 'Qwen2ForCausalLM', tieEmbeddings: true, ropeTheta: 1000000 }],
  ['mistral, 4 heads head_dim 64', { architecture: 'MistralForCausalLM', hidden: 256, heads: 4, kvHeads: 2 }],
  ['fp16 weights', { dtype: 'F16' }],
  ['bf16 weights', { dtype: 'BF16' }],
];

describe('engine logits vs float64 reference', () => {
  it.each(VARIANTS)('%s', async (_name, spec) => {
    const m = makeTinyModel(spec);
    // Small chunks and prefill pieces so that several chunks and pieces are crossed.
    const engine = await LlmEngine.load({ dataDir: tmpDir('data'), modelPath: m.dir, chunkSize: 16, prefillChunk: 13, kvCacheBytes: 16 << 20 });
    try {
      const prompt = someTokens(41, 3);
      const steps = 5;
      const r = await collect(
        engine.generate({ namespace: 't', promptTokens: prompt, maxTokens: steps, temperature: 0, topLogprobs: m.ref.vocab, stopAtEos: false }),
      );
      const toks = r.tokens[0];
      expect(toks).toHaveLength(steps);
      const ref = referenceLogits(m.ref, m.tensors, [...prompt, ...toks.slice(0, steps - 1)]);
      let maxErr = 0;
      r.events.forEach((e, i) => {
        if (e.type !== 'token') return;
        const want = logSoftmax(ref[prompt.length - 1 + i]);
        expect(e.topLogprobs).toHaveLength(m.ref.vocab);
        for (const t of e.topLogprobs!) maxErr = Math.max(maxErr, Math.abs(t.logprob - want[t.tokenId]));
        // Greedy picks the reference's argmax (ties aside, which random weights make unlikely).
        expect(e.tokenId).toBe(want.indexOf(Math.max(...want)));
        expect(e.logprob).toBeCloseTo(want[e.tokenId], 4);
      });
      expect(maxErr).toBeLessThan(1e-4);
    } finally {
      await engine.close();
    }
  });
});
