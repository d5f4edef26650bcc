// Engine events -> OpenAI response bodies and stream chunks (chat.completion, text_completion).
import type { GenerateEvent } from '../engine/engine.types';

export type TokenEvent = Extract<GenerateEvent, { type: 'token' }>;
export type DoneEvent = Extract<GenerateEvent, { type: 'done' }>;
export type FinishReason = DoneEvent['finishReason'];

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

/** What every body of one response shares. */
export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  /** Top log probabilities asked for; undefined when log probabilities are off. */
  topLogprobs?: number;
}

interface ChoiceResult {
  text: string;
  tokens: TokenEvent[];
  finishReason: FinishReason | null;
}

/** Collects a generation's events: per-choice text, tokens and finish reason, and the usage. */
export class GenerationResult {
  readonly choices: ChoiceResult[];
  private cachedTokens: number | null = null;
  private readonly completionTokens: (number | null)[];

  /** `promptTokens`: the request's count, reported when the engine's usage never arrives (cancelled). */
  constructor(
    n: number,
    private promptTokens: number,
  ) {
    this.choices = Array.from({ length: n }, () => ({ text: '', tokens: [], finishReason: null }));
    this.completionTokens = new Array(n).fill(null);
  }

  add(event: GenerateEvent): void {
    const choice = this.choices[event.choice];
    if (!choice) throw new Error(`engine event for choice ${event.choice} of ${this.choices.length}`);
    if (event.type === 'token') {
      choice.text += event.text;
      choice.tokens.push(event);
      return;
    }
    choice.finishReason = event.finishReason;
    this.promptTokens = event.usage.promptTokens;
    this.completionTokens[event.choice] = event.usage.completionTokens;
    // The n choices share one prompt; its cache hit is the first choice's (the one that prefilled).
    if (event.choice === 0 || this.cachedTokens === null) this.cachedTokens = event.usage.cachedTokens;
  }

  get finished(): boolean {
    return this.choices.every((c) => c.finishReason !== null);
  }

  /** The engine's figures; for a choice it never finished, the tokens received. */
  usage(): OpenAiUsage {
    const completion = this.completionTokens.reduce<number>((sum, t, i) => sum + (t ?? this.choices[i].tokens.length), 0);
    return {
      prompt_tokens: this.promptTokens,
      completion_tokens: completion,
      total_tokens: this.promptTokens + completion,
      prompt_tokens_details: { cached_tokens: this.cachedTokens ?? 0 },
    };
  }
}

const bytesOf = (s: string) => Array.from(Buffer.from(s, 'utf8'));

function chatTokenLogprob(t: TokenEvent, top: number) {
  return {
    token: t.text,
    logprob: t.logprob ?? 0,
    bytes: bytesOf(t.text),
    top_logprobs: (t.topLogprobs ?? []).slice(0, top).map((c) => ({ token: c.token, logprob: c.logprob, bytes: bytesOf(c.token) })),
  };
}

function textLogprobs(tokens: TokenEvent[], top: number, startOffset: number) {
  let offset = startOffset;
  const textOffset = tokens.map((t) => {
    const at = offset;
    offset += t.text.length;
    return at;
  });
  return {
    tokens: tokens.map((t) => t.text),
    token_logprobs: tokens.map((t) => t.logprob ?? 0),
    top_logprobs: tokens.map((t) => Object.fromEntries((t.topLogprobs ?? []).slice(0, top).map((c) => [c.token, c.logprob]))),
    text_offset: textOffset,
  };
}

export function chatCompletionBody(meta: ResponseMeta, result: GenerationResult) {
  return {
    id: meta.id,
    object: 'chat.completion' as const,
    created: meta.created,
    model: meta.model,
    choices: result.choices.map((c, index) => ({
      index,
      message: { role: 'assistant' as const, content: c.text, refusal: null },
      logprobs: meta.topLogprobs === undefined ? null : { content: c.tokens.map((t) => chatTokenLogprob(t, meta.topLogprobs!)), refusal: null },
      finish_reason: c.finishReason,
    })),
    usage: result.usage(),
  };
}

export function textCompletionBody(meta: ResponseMeta, result: GenerationResult) {
  return {
    id: meta.id,
    object: 'text_completion' as const,
    created: meta.created,
    model: meta.model,
    choices: result.choices.map((c, index) => ({
      index,
      text: c.text,
      logprobs: meta.topLogprobs === undefined ? null : textLogprobs(c.tokens, meta.topLogprobs, 0),
      finish_reason: c.finishReason,
    })),
    usage: result.usage(),
  };
}

/** Builds the chunks of one streamed response, in order. */
export class ChunkBuilder {
  private readonly textOffsets: number[] = [];

  constructor(
    private readonly meta: ResponseMeta,
    private readonly kind: 'chat' | 'text',
    /** With include_usage every chunk carries `usage: null` and a last chunk the usage. */
    private readonly includeUsage: boolean,
  ) {}

  private chunk(choices: unknown[], usage?: OpenAiUsage) {
    const { id, created, model } = this.meta;
    const object = this.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    return { id, object, created, model, choices, ...(this.includeUsage ? { usage: usage ?? null } : {}) };
  }

  /** The first chunk of a chat choice: the assistant role. */
  role(choice: number) {
    return this.chunk([{ index: choice, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  }

  token(t: TokenEvent) {
    const top = this.meta.topLogprobs;
    if (this.kind === 'chat') {
      const logprobs = top === undefined ? null : { content: [chatTokenLogprob(t, top)], refusal: null };
      return this.chunk([{ index: t.choice, delta: { content: t.text }, logprobs, finish_reason: null }]);
    }
    const offset = this.textOffsets[t.choice] ?? 0;
    this.textOffsets[t.choice] = offset + t.text.length;
    const logprobs = top === undefined ? null : textLogprobs([t], top, offset);
    return this.chunk([{ index: t.choice, text: t.text, logprobs, finish_reason: null }]);
  }

  finish(choice: number, reason: FinishReason) {
    if (this.kind === 'chat') return this.chunk([{ index: choice, delta: {}, logprobs: null, finish_reason: reason }]);
    return this.chunk([{ index: choice, text: '', logprobs: null, finish_reason: reason }]);
  }

  usage(usage: OpenAiUsage) {
    return this.chunk([], usage);
  }
}
