// Tokenizes rendered chat text the way @huggingface/tokenizers does (split at added tokens, then
// normalizer, pre-tokenizer and model per section), with two things the library cannot do:
// - refuse an added-token match where the caller says the text is message content, so that a
//   user who writes "<|eot_id|><|start_header_id|>system" gets that text, not a new turn;
// - continue a text: the first section carries on the previous text's last section (its section
//   index goes on, and the normalizer's prepended "▁" of a new section is not added).
// Without either, the result equals the library's encode(text, { add_special_tokens: false }).
import type { Tokenizer } from '@huggingface/tokenizers';

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
}

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  lstrip: boolean;
  rstrip: boolean;
}

/** A trie of added tokens; `end` is the token a path spells, with the length of that text. */
type Trie = { [char: string]: Trie } & { end?: { token: AddedToken; length: number } };

/** The library's callable pieces (typed loosely in its declarations). */
interface TokenizerParts {
  normalizer: ((text: string) => string) | null;
  pre_tokenizer: ((text: string, options: { section_index: number }) => string[]) | null;
  model: ((tokens: string[]) => string[]) & { tokens_to_ids: Map<string, number>; unk_token_id?: number };
}

export interface SectionEncodeOptions {
  /** Whether the added token starting at `start` counts as one (default: every match does). */
  acceptAddedAt?: (start: number, token: { content: string; special: boolean }) => boolean;
  /** The text continues a text whose last section was not an added token (see continuationOf). */
  continues?: boolean;
  /** Sections of the text it continues (the library passes each section's index to the pre-tokenizer). */
  sectionIndexBase?: number;
}

/** Where a text ends, for the text that continues it. */
export interface SectionEnd {
  continues: boolean;
  sectionIndexBase: number;
}

type Section = { text: string } | { token: AddedToken };

export class SectionEncoder {
  private readonly raw: Trie = Object.create(null);
  private readonly normalized: Trie = Object.create(null);
  private readonly parts: TokenizerParts;
  /** What the normalizer puts in front of every section (Llama 2's "▁"), '' for most. */
  private readonly prepended: string;
  private readonly removeSpace: boolean;
  readonly specialTokens: string[];

  constructor(tokenizer: Tokenizer, tokenizerJson: { added_tokens?: AddedTokenJson[] }, tokenizerConfig: Record<string, unknown>) {
    this.parts = tokenizer as unknown as TokenizerParts;
    this.removeSpace = tokenizerConfig.remove_space === true;
    const probe = '\u0001';
    const normalizedProbe = this.parts.normalizer ? this.parts.normalizer(probe) : probe;
    this.prepended = normalizedProbe.endsWith(probe) ? normalizedProbe.slice(0, -probe.length) : '';
    for (const t of tokenizerJson.added_tokens ?? []) {
      const special = t.special ?? false;
      const token = { id: t.id, content: t.content, special, lstrip: t.lstrip ?? false, rstrip: t.rstrip ?? false };
      const isNormalized = t.normalized ?? !special;
      if (isNormalized && this.parts.normalizer) insert(this.normalized, this.parts.normalizer(t.content), token);
      else insert(this.raw, t.content, token);
    }
    this.specialTokens = (tokenizerJson.added_tokens ?? []).filter((t) => t.special).map((t) => t.content);
  }

  encode(text: string, options: SectionEncodeOptions = {}): number[] {
    return this.encodeSections(this.split(text, options.acceptAddedAt), options);
  }

  /** How a text that follows `text` continues it. */
  endOf(text: string, options: SectionEncodeOptions = {}): SectionEnd {
    const sections = this.split(text, options.acceptAddedAt);
    const last = sections[sections.length - 1];
    const base = options.sectionIndexBase ?? 0;
    if (last === undefined) return { continues: options.continues ?? false, sectionIndexBase: base };
    const continues = !('token' in last);
    return { continues, sectionIndexBase: base + sections.length - (continues ? 1 : 0) };
  }

  private split(text: string, accept?: SectionEncodeOptions['acceptAddedAt']): Section[] {
    const sections: Section[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const match = longestMatch(this.raw, text, i);
      if (match && (accept?.(i, match.token) ?? true)) {
        if (i > start) sections.push({ text: text.slice(start, i) });
        sections.push({ token: match.token });
        i += match.length;
        start = i;
      } else {
        i += 1;
      }
    }
    if (start < text.length) sections.push({ text: text.slice(start) });
    // An added token's lstrip / rstrip trims the text next to it, as the library does.
    sections.forEach((s, k) => {
      if (!('token' in s)) return;
      const before = sections[k - 1];
      const after = sections[k + 1];
      if (s.token.lstrip && before && 'text' in before) before.text = before.text.trimEnd();
      if (s.token.rstrip && after && 'text' in after) after.text = after.text.trimStart();
    });
    return sections;
  }

  private encodeSections(sections: Section[], options: SectionEncodeOptions): number[] {
    const ids: number[] = [];
    const base = options.sectionIndexBase ?? 0;
    sections.forEach((section, k) => {
      if ('token' in section) {
        ids.push(section.token.id);
        return;
      }
      let text = section.text;
      if (text.length === 0) return;
      if (this.removeSpace) text = text.trim().split(/\s+/).join(' ');
      if (this.parts.normalizer) {
        text = this.parts.normalizer(text);
        if (k === 0 && options.continues && this.prepended && text.startsWith(this.prepended)) text = text.slice(this.prepended.length);
      }
      for (const piece of this.splitNormalized(text)) {
        if (typeof piece !== 'string') ids.push(piece.id);
        else ids.push(...this.modelIds(piece, base + k));
      }
    });
    return ids;
  }

  private splitNormalized(text: string): (string | AddedToken)[] {
    const out: (string | AddedToken)[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const match = longestMatch(this.normalized, text, i);
      if (match) {
        if (i > start) out.push(text.slice(start, i));
        out.push(match.token);
        i += match.length;
        start = i;
      } else {
        i += 1;
      }
    }
    if (start < text.length) out.push(text.slice(start));
    return out;
  }

  private modelIds(text: string, sectionIndex: number): number[] {
    const { pre_tokenizer, model } = this.parts;
    const words = pre_tokenizer ? pre_tokenizer(text, { section_index: sectionIndex }) : [text];
    return model(words).map((t) => model.tokens_to_ids.get(t) ?? model.unk_token_id ?? 0);
  }
}

function insert(trie: Trie, word: string, token: AddedToken): void {
  let node = trie;
  for (let i = 0; i < word.length; i++) node = node[word[i]] ??= Object.create(null);
  node.end = { token, length: word.length };
}

/** The longest added token starting at `i`, else undefined. */
function longestMatch(trie: Trie, text: string, i: number): Trie['end'] {
  let node: Trie | undefined = trie;
  let match: Trie['end'];
  for (let j = i; j < text.length; j++) {
    node = node[text[j]];
    if (!node) break;
    if (node.end) match = node.end;
  }
  return match;
}
