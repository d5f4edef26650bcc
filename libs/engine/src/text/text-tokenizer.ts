// tokenizer.json through @huggingface/tokenizers, chat templates through @huggingface/jinja.
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { CheckpointError } from '../checkpoint/checkpoint-error';
import { ChatTemplateError } from './chat-template-error';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly template: Template | null;
  private readonly specials: Record<string, string | undefined>;
  /** Token ids that end a turn: eos of the tokenizer and the checkpoint's eos ids. */
  readonly eosTokenIds: number[];

  constructor(tokenizerJson: unknown, tokenizerConfig: Record<string, unknown>, dir: string, extraEos: number[] = []) {
    try {
      this.tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig);
    } catch (err) {
      throw new CheckpointError(`${dir}/tokenizer.json`, `cannot be loaded (${(err as Error).message})`);
    }
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

  renderChat(messages: ChatMessage[], addGenerationPrompt: boolean): string {
    if (!this.template) {
      // No template: the turns' contents one per line, which base models continue as text.
      return messages.map((m) => m.content).join('\n') + (addGenerationPrompt ? '\n' : '');
    }
    try {
      return this.template.render({ messages, add_generation_prompt: addGenerationPrompt, ...this.specials });
    } catch (err) {
      throw new ChatTemplateError(`The model's chat template refused the conversation: ${(err as Error).message}`);
    }
  }

  /**
   * Tokens of a conversation. When it starts with a system turn, that turn's rendering is
   * tokenized on its own, so the result starts with encodeSystemPrefix(system content) and every
   * conversation with the same system prompt shares that token prefix in the KV cache.
   */
  encodeChat(messages: ChatMessage[], addGenerationPrompt = true): number[] {
    const full = this.renderChat(messages, addGenerationPrompt);
    if (messages.length > 0 && messages[0].role === 'system') {
      const prefix = this.systemPrefixText(messages[0].content);
      if (prefix !== null && full.startsWith(prefix))
        return [...this.encode(prefix, false), ...this.encode(full.slice(prefix.length), false)];
    }
    return this.encode(full, false);
  }

  /** The token prefix a system prompt contributes to every conversation that starts with it. */
  encodeSystemPrefix(content: string): number[] {
    const prefix = this.systemPrefixText(content);
    return prefix === null ? [] : this.encode(prefix, false);
  }

  // The rendered system turn, when the template renders it as a text prefix of conversations
  // (checked against a probe conversation); null when it does not (e.g. system folded into the
  // first user turn).
  private systemPrefixText(content: string): string | null {
    let alone: string;
    let probe: string;
    try {
      alone = this.renderChat([{ role: 'system', content }], false);
      probe = this.renderChat([{ role: 'system', content }, { role: 'user', content: '\u0001probe' }], true);
    } catch {
      return null;
    }
    return alone.length > 0 && probe.startsWith(alone) ? alone : null;
  }
}
