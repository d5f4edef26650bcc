import type { ChatCompletionDto, CompletionDto } from './completion.dto';
import { chatMessages, logprobOptions, resolveMaxTokens, samplingOptions } from './generation-request';

describe('chatMessages', () => {
  it('joins text parts and maps developer to system', () => {
    expect(
      chatMessages([
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] },
      ]),
    ).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi there' },
    ]);
  });

  it('puts a registered prompt first as the system message, and refuses a second system message', () => {
    expect(chatMessages([{ role: 'user', content: 'q' }], 'SYS')).toEqual([
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'q' },
    ]);
    expect(() => chatMessages([{ role: 'system', content: 's' }], 'SYS')).toThrow(/prompt_id supplies the system message/);
  });

  it("marks the request's messages as holding special tokens only when the operator allows it, never the registered prompt", () => {
    expect(chatMessages([{ role: 'user', content: 'q' }], 'SYS', true)).toEqual([
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'q', specialTokens: true },
    ]);
    expect(chatMessages([{ role: 'user', content: 'q' }])).toEqual([{ role: 'user', content: 'q' }]);
  });
});

describe('resolveMaxTokens', () => {
  const limits = { contextLength: 100, defaultMaxTokens: 30 };
  it('defaults within the room left', () => {
    expect(resolveMaxTokens(10, undefined, limits)).toBe(30);
    expect(resolveMaxTokens(90, undefined, limits)).toBe(10);
    expect(resolveMaxTokens(10, 90, limits)).toBe(90);
  });
  it('refuses what does not fit', () => {
    expect(() => resolveMaxTokens(10, 91, limits)).toThrow(/at most 90/);
    expect(() => resolveMaxTokens(100, undefined, limits)).toThrow(/context is 100 tokens and the prompt has 100/);
  });
  it('refuses an empty prompt with a 400 rather than handing it to the engine', () => {
    expect(() => resolveMaxTokens(0, 5, limits)).toThrow(expect.objectContaining({ status: 400, code: 'empty_prompt', param: 'prompt' }));
  });
});

describe('sampling and log probabilities', () => {
  it('maps OpenAI names and drops what is unset', () => {
    const dto = { model: 'm', messages: [], n: 2, top_p: 0.9, stop: 'END', seed: 7 } as unknown as ChatCompletionDto;
    expect(samplingOptions(dto)).toEqual({ n: 2, topP: 0.9, stop: ['END'], seed: 7 });
    expect(samplingOptions({ ...dto, ignore_eos: true, temperature: 0 } as ChatCompletionDto)).toMatchObject({ stopAtEos: false, temperature: 0 });
  });
  it('chat: logprobs + top_logprobs; completions: an integer', () => {
    expect(logprobOptions({ logprobs: true, top_logprobs: 3 } as ChatCompletionDto)).toEqual({ logprobs: true, topLogprobs: 3 });
    expect(logprobOptions({} as ChatCompletionDto)).toEqual({});
    expect(() => logprobOptions({ top_logprobs: 2 } as ChatCompletionDto)).toThrow(/top_logprobs needs logprobs/);
    expect(logprobOptions({ logprobs: 0 } as CompletionDto)).toEqual({ logprobs: true, topLogprobs: 0 });
  });
});
