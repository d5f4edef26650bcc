// tokenizer.json through @huggingface/tokenizers, chat templates through @huggingface/jinja.
//
// Chats are tokenized so that
// - message contents are text: a special token's text inside a message (say
//   "<|eot_id|><|start_header_id|>system") stays text, not a new turn, unless the message says
//   its content may hold special tokens (ChatMessage.specialTokens);
// - a system prompt gives one token prefix shared by every chat that starts with it, whatever the
//   template does with it: the longest common text prefix of two renderings that differ only in
//   the user message (templates that fold the system text into the first user turn, like
//   Llama-2-chat and Mistral-Instruct, and templates that always append the assistant header,
//   like Meta-Llama-3-Instruct, included); a chat whose rendering starts with it is tokenized as
//   that prefix followed by the rest, continued where the prefix stopped.
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';

import { CheckpointError } from '../checkpoint/checkpoint-error';
import { ChatTemplateError } from './chat-template-error';
import { SectionEncoder, type SectionEncodeOptions, type SectionEnd } from './section-encoder';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Its content may hold special tokens, parsed as such (trusted content only); default false: text. */
  specialTokens?: boolean;
}

/** A rendered chat and which of its added-token matches the template (not a message) wrote. */
interface Rendering {
  text: string;
  acceptAddedAt?: SectionEncodeOptions['acceptAddedAt'];
}

/** A system prompt's share of every chat that starts with it. */
interface SystemPrefix {
  text: string;
  tokens: number[];
  end: SectionEnd;
}

/** Two user messages that differ from their first character: where their renderings part is where the user turn starts. */
const PROBES = ['A', 'B'];
/** System prefixes kept (a registered prompt is rendered once, not on every request). */
const PREFIX_CACHE_SIZE = 256;
/** Stands in for each character of special-token text inside a message when finding what the template wrote. */
const MASK = '\uE000';

function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly sections: SectionEncoder;
  private readonly template: Template | null;
  private readonly specials: Record<string, string | undefined>;
  private readonly specialText: RegExp | null;
  private readonly prefixes = new Map<string, SystemPrefix>();
  /** Token ids that end a turn: eos of the tokenizer and the checkpoint's eos ids. */
  readonly eosTokenIds: number[];

  constructor(tokenizerJson: unknown, tokenizerConfig: Record<string, unknown>, dir: string, extraEos: number[] = []) {
    try {
      this.tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig);
    } catch (err) {
      throw new CheckpointError(`${dir}/tokenizer.json`, `cannot be loaded (${(err as Error).message})`);
    }
    this.sections = new SectionEncoder(this.tokenizer, tokenizerJson as object, tokenizerConfig);
    const specialTokens = [...this.sections.specialTokens].sort((a, b) => b.length - a.length);
    this.specialText = specialTokens.length > 0 ? new RegExp(specialTokens.map(escapeRegExp).join('|'), 'g') : null;
    const source = tokenizerConfig.chat_template;
    let templateText: string | undefined;
    if (typeof source === 'string') templateText = source;
    else if (Array.isArray(source)) templateText = source.find((t) => t?.name === 'default')?.template;
    try {
      this.template = templateText ? new Template(templateText) : null;
    } catch (err) {
      throw new CheckpointError(`${dir}/tokenizer_config.json`, `chat_template does not parse (${(err as Error).message})`);
    }
    this.specials = {
      bos_token: tokenText(tokenizerConfig.bos_token),
      eos_token: tokenText(tokenizerConfig.eos_token),
      unk_token: tokenText(tokenizerConfig.unk_token),
      pad_token: tokenText(tokenizerConfig.pad_token),
    };
    const eos = new Set(extraEos);
    const eosId = this.specials.eos_token !== undefined ? this.tokenizer.token_to_id(this.specials.eos_token) : undefined;
    if (eosId !== undefined) eos.add(eosId);
    this.eosTokenIds = [...eos];
  }

  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  /** Plain text to ids, with the tokenizer's own special tokens (e.g. BOS) when it adds them. */
  encode(text: string, addSpecialTokens = true): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  decode(tokens: number[], skipSpecialTokens = true): string {
    if (tokens.length === 0) return ''; // the library rejects empty input
    return this.tokenizer.decode(tokens, { skip_special_tokens: skipSpecialTokens });
  }

  /** The text of one token id (special tokens included), for logprobs. */
  tokenString(id: number): string {
    return this.tokenizer.decode([id], { skip_special_tokens: false });
  }

  /** The chat as the template renders it; the template's refusal (raise_exception) is a ChatTemplateError. */
  renderChat(messages: ChatMessage[], addGenerationPrompt: boolean): string {
    if (!this.template) {
      // No template: the turns' contents one per line, which base models continue as text.
      return messages.map((m) => m.content).join('\n') + (addGenerationPrompt ? '\n' : '');
    }
    try {
      return this.template.render({ messages: messages.map(({ role, content }) => ({ role, content })), add_generation_prompt: addGenerationPrompt, ...this.specials });
    } catch (err) {
      throw new ChatTemplateError(`The model's chat template refused the conversation: ${(err as Error).message}`);
    }
  }

  /**
   * Tokens of a conversation. When it starts with a system message, they start with
   * encodeSystemPrefix(its content), so every conversation with that system prompt shares those
   * tokens in the KV cache.
   */
  encodeChat(messages: ChatMessage[], addGenerationPrompt = true): number[] {
    const rendering = this.render(messages, addGenerationPrompt);
    const first = messages[0];
    const prefix = first?.role === 'system' ? this.systemPrefixOrNull(first) : null;
    if (prefix && rendering.text.startsWith(prefix.text)) {
      const offset = prefix.text.length;
      const accept = rendering.acceptAddedAt;
      const rest = this.sections.encode(rendering.text.slice(offset), {
        acceptAddedAt: accept && ((start, token) => accept(start + offset, token)),
        continues: prefix.end.continues,
        sectionIndexBase: prefix.end.sectionIndexBase,
      });
      return [...prefix.tokens, ...rest];
    }
    return this.encodeRendering(rendering);
  }

  /**
   * The token prefix a system prompt contributes to every conversation that starts with it. A
   * ChatTemplateError when the template gives none (it ignores system messages, or shares nothing).
   */
  encodeSystemPrefix(content: string, specialTokens = false): number[] {
    return this.systemPrefix({ role: 'system', content, specialTokens }).tokens;
  }

  private systemPrefixOrNull(system: ChatMessage): SystemPrefix | null {
    try {
      return this.systemPrefix(system);
    } catch (err) {
      if (err instanceof ChatTemplateError) return null;
      throw err;
    }
  }

  private systemPrefix(system: ChatMessage): SystemPrefix {
    const key = `${system.specialTokens ? 1 : 0}:${system.content}`;
    const cached = this.prefixes.get(key);
    if (cached) {
      // Most recently used last.
      this.prefixes.delete(key);
      this.prefixes.set(key, cached);
      return cached;
    }
    const [a, b] = PROBES.map((probe) => this.render([system, { role: 'user', content: probe }], true));
    const withoutSystem = this.renderChat([{ role: 'user', content: PROBES[0] }], true);
    if (a.text === withoutSystem) throw new ChatTemplateError("The model's chat template ignores system messages: a system prompt cannot be registered.");
    const text = a.text.slice(0, commonPrefixLength(a.text, b.text));
    if (text.length === 0) throw new ChatTemplateError("The model's chat template renders no prefix that every chat with this system prompt shares.");
    const options = { acceptAddedAt: a.acceptAddedAt };
    const prefix = { text, tokens: this.sections.encode(text, options), end: this.sections.endOf(text, options) };
    this.prefixes.set(key, prefix);
    if (this.prefixes.size > PREFIX_CACHE_SIZE) this.prefixes.delete(this.prefixes.keys().next().value!);
    return prefix;
  }

  private encodeRendering(rendering: Rendering): number[] {
    if (!rendering.acceptAddedAt) return this.encode(rendering.text, false);
    return this.sections.encode(rendering.text, { acceptAddedAt: rendering.acceptAddedAt });
  }

  /**
   * Renders the chat; when a message's content holds special-token text, renders it a second time
   * with that text masked, so that an added token counts only where the template wrote it.
   */
  private render(messages: ChatMessage[], addGenerationPrompt: boolean): Rendering {
    const text = this.renderChat(messages, addGenerationPrompt);
    const pattern = this.specialText;
    if (pattern === null || !messages.some((m) => !m.specialTokens && hasMatch(pattern, m.content))) return { text };
    const masked = this.renderChat(
      messages.map((m) => (m.specialTokens ? m : { ...m, content: m.content.replace(pattern, (s) => MASK.repeat(s.length)) })),
      addGenerationPrompt,
    );
    if (masked.length !== text.length) {
      throw new ChatTemplateError("A message holds special-token text that the model's chat template does not keep as it is.");
    }
    return { text, acceptAddedAt: (start, token) => !token.special || masked.startsWith(token.content, start) };
  }
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function hasMatch(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
