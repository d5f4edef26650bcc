import type { GenerateEvent } from '../engine/engine.types';
import { chatCompletionBody, ChunkBuilder, GenerationResult, textCompletionBody } from './openai-format';

const meta = { id: 'chatcmpl-1', created: 1700000000, model: 'demo' };
const token = (choice: number, tokenId: number, text: string, logprob = -0.5): GenerateEvent => ({
  type: 'token',
  choice,
  tokenId,
  text,
  logprob,
  topLogprobs: [
    { tokenId, token: text, logprob },
    { tokenId: 999, token: 'zz', logprob: -3 },
  ],
});
const done = (choice: number, completionTokens: number, cachedTokens: number): GenerateEvent => ({
  type: 'done',
  choice,
  finishReason: choice === 0 ? 'stop' : 'length',
  usage: { promptTokens: 100, cachedTokens, completionTokens },
  timings: { queuedMs: 0, ttftMs: 5, tokensPerSecond: 10 },
});

function collect(events: GenerateEvent[], n: number) {
  const r = new GenerationResult(n, 100);
  events.forEach((e) => r.add(e));
  return r;
}

describe('GenerationResult and response bodies', () => {
  const events = [token(0, 1, 'Hel'), token(1, 7, 'X'), token(0, 2, 'lo'), done(1, 1, 96), done(0, 2, 64)];

  it('joins each choice and sums completion tokens; the cache hit is the first choice', () => {
    const r = collect(events, 2);
    expect(r.finished).toBe(true);
    expect(r.choices.map((c) => c.text)).toEqual(['Hello', 'X']);
    expect(r.usage()).toEqual({ prompt_tokens: 100, completion_tokens: 3, total_tokens: 103, prompt_tokens_details: { cached_tokens: 64 } });
  });

  it('is not finished until every choice is done, and rejects a choice out of range', () => {
    const r = collect(events.slice(0, 4), 2);
    expect(r.finished).toBe(false);
    // Choice 0 never finished (cancelled): its received tokens count, the prompt is the request's.
    expect(r.usage()).toMatchObject({ prompt_tokens: 100, completion_tokens: 3 });
    expect(() => r.add(token(2, 1, 'a'))).toThrow(/choice 2 of 2/);
  });

  it('chat.completion with log probabilities', () => {
    const body = chatCompletionBody({ ...meta, topLogprobs: 1 }, collect(events, 2));
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: 'Hello', refusal: null });
    expect(body.choices[1].finish_reason).toBe('length');
    expect(body.choices[0].logprobs!.content[1]).toEqual({
      token: 'lo',
      logprob: -0.5,
      bytes: [108, 111],
      top_logprobs: [{ token: 'lo', logprob: -0.5, bytes: [108, 111] }],
    });
  });

  it('text_completion with legacy log probabilities and offsets', () => {
    const body = textCompletionBody({ ...meta, topLogprobs: 2 }, collect(events, 2));
    expect(body.choices[0].text).toBe('Hello');
    expect(body.choices[0].logprobs).toEqual({
      tokens: ['Hel', 'lo'],
      token_logprobs: [-0.5, -0.5],
      top_logprobs: [
        { Hel: -0.5, zz: -3 },
        { lo: -0.5, zz: -3 },
      ],
      text_offset: [0, 3],
    });
    expect(textCompletionBody(meta, collect(events, 2)).choices[0].logprobs).toBeNull();
  });
});

describe('ChunkBuilder', () => {
  it('chat chunks: role, deltas, finish, and usage only with include_usage', () => {
    const b = new ChunkBuilder(meta, 'chat', true);
    expect(b.role(0)).toMatchObject({ object: 'chat.completion.chunk', usage: null, choices: [{ delta: { role: 'assistant', content: '' } }] });
    expect(b.token(token(0, 1, 'Hi') as never)).toMatchObject({ choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: null }] });
    expect(b.finish(0, 'stop')).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
    const usage = collect(events(), 1).usage();
    expect(b.usage(usage)).toMatchObject({ choices: [], usage });
    expect(new ChunkBuilder(meta, 'chat', false).role(0)).not.toHaveProperty('usage');

    function events() {
      return [token(0, 1, 'Hi'), done(0, 1, 32)];
    }
  });

  it('text chunks carry running text offsets per choice', () => {
    const b = new ChunkBuilder({ ...meta, topLogprobs: 0 }, 'text', false);
    b.token(token(0, 1, 'abc') as never);
    b.token(token(1, 1, 'q') as never);
    const c = b.token(token(0, 2, 'de') as never) as { choices: { text: string; logprobs: { text_offset: number[] } }[] };
    expect(c.choices[0].text).toBe('de');
    expect(c.choices[0].logprobs.text_offset).toEqual([3]);
  });
});
