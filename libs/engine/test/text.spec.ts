// Tokenizer, chat template, streaming text and the demo model.
import * as fs from 'fs';
import * as path from 'path';
import { DEMO_MODEL_ID, ensureDemoModel } from '../src/demo/demo-model';
import { LlmEngine } from '../src/llm-engine';
import { StreamDecoder } from '../src/text/stream-decoder';
import { TextTokenizer } from '../src/text/text-tokenizer';
import { byteTokenizerConfig, byteTokenizerJson } from '../src/demo/byte-tokenizer';
import { collect, tmpDir } from './helpers';

const tok = new TextTokenizer(byteTokenizerJson(), byteTokenizerConfig(), 'test');

describe('byte-level tokenizer and chat template', () => {
  it('round-trips text with multi-byte characters; ids are bytes', () => {
    const text = 'Grüße, 世界! 🎉';
    const ids = tok.encode(text);
    expect(ids).toEqual([...Buffer.from(text, 'utf8')]);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.eosTokenIds).toContain(260);
  });

  it('renders the chat template; the system turn is a token prefix of every conversation', () => {
    const sys = 'You are terse.';
    const conv = tok.encodeChat([{ role: 'system', content: sys }, { role: 'user', content: 'hi' }]);
    const prefix = tok.encodeSystemPrefix(sys);
    expect(prefix.length).toBeGreaterThan(0);
    expect(conv.slice(0, prefix.length)).toEqual(prefix);
    expect(tok.decode(conv, false)).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(conv[0]).toBe(256); // BOS as the special token, not its bytes
  });

  it('streams text without splitting UTF-8 characters, and cuts stop strings', () => {
    const ids = tok.encode('a€b STOP c');
    const d = new StreamDecoder(tok, ['STOP']);
    const parts = ids.map((id) => d.push(id));
    expect(parts.join('') + d.flush()).toBe('a€b ');
    expect(parts.every((p) => !p.includes('\uFFFD'))).toBe(true);
    expect(d.stopped).toBe(true);
    const free = new StreamDecoder(tok, ['STO!']);
    expect(ids.map((id) => free.push(id)).join('') + free.flush()).toBe('a€b STOP c');
  });

  it('streams exactly the text of the whole decode, with special tokens anywhere', () => {
    let seed = 5;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pieces = ['a', ' b', 'é', '€', '世界', '🎉', '\n', 'STO', ' x'];
    for (let run = 0; run < 50; run++) {
      const ids: number[] = [];
      for (let i = rnd(40); i > 0; i--) ids.push(...(rnd(5) === 0 ? [256 + rnd(5)] : tok.encode(pieces[rnd(pieces.length)])));
      const d = new StreamDecoder(tok, []);
      const parts = ids.map((id) => d.push(id));
      expect(parts.join('') + d.flush()).toBe(tok.decode(ids));
      expect(parts.every((p) => !p.includes('\uFFFD'))).toBe(true);
    }
  });

  it('decodes a bounded window per token: linear in the output, also for tokens that add no text or never complete a character', () => {
    let decoded = 0;
    const counting = Object.create(tok) as TextTokenizer;
    counting.decode = (ids: number[], skip?: boolean) => ((decoded += ids.length), tok.decode(ids, skip));
    const n = 4000;
    for (const ids of [Array(n).fill(257), Array(n).fill(0x80), Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 257 : 0x41))]) {
      decoded = 0;
      const d = new StreamDecoder(counting, []);
      const text = ids.map((id) => d.push(id)).join('') + d.flush();
      expect(decoded).toBeLessThan(60 * n);
      expect(text).toBe(tok.decode(ids));
    }
  });

  it('gives stray bytes up as U+FFFD and then streams the text after them intact', () => {
    const ids = [...Array(20).fill(0x80), ...tok.encode('€ok')];
    const d = new StreamDecoder(tok, []);
    const parts = ids.map((id) => d.push(id));
    expect(parts.join('') + d.flush()).toBe(tok.decode(ids));
    expect(parts.join('').endsWith('€ok')).toBe(true);
  });
});

describe('demo model', () => {
  it('is generated once, deterministically, and answers quickly; it says it is random', async () => {
    const a = tmpDir('demo-a'), b = tmpDir('demo-b');
    const dirA = ensureDemoModel(a);
    const mtime = fs.statSync(path.join(dirA, 'model.safetensors')).mtimeMs;
    expect(ensureDemoModel(a)).toBe(dirA);
    expect(fs.statSync(path.join(dirA, 'model.safetensors')).mtimeMs).toBe(mtime); // not rewritten
    const dirB = ensureDemoModel(b);
    expect(fs.readFileSync(path.join(dirB, 'model.safetensors')).equals(fs.readFileSync(path.join(dirA, 'model.safetensors')))).toBe(true);
    expect(fs.readFileSync(path.join(dirA, 'README.md'), 'utf8')).toMatch(/random weights/);

    const engine = await LlmEngine.load({ dataDir: a });
    try {
      expect(engine.model).toMatchObject({ id: DEMO_MODEL_ID, isDemo: true, architecture: 'LlamaForCausalLM' });
      expect(engine.model.id).toMatch(/random/);
      const prompt = engine.encodeChat([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello!' }]);
      const t0 = Date.now();
      const r = await collect(engine.generate({ namespace: 'demo', promptTokens: prompt, maxTokens: 32, temperature: 0.8, seed: 1 }));
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(r.done[0].usage.promptTokens).toBe(prompt.length);
    } finally {
      await engine.close();
    }
  });
});
