import { EngineError } from '@chunkserve/engine';

import { OpenAiError } from '../common/openai-error';
import { apiErrorOf, EngineCapacityError, isNotPinnedError } from './engine-errors';

describe('engine errors, by code', () => {
  it('recognises a full pool and a missing pin by their codes, never by the words', () => {
    expect(apiErrorOf(new EngineError('whatever words', 'ERR_CACHE_FULL'))).toBeInstanceOf(EngineCapacityError);
    expect(apiErrorOf(Object.assign(new Error('x'), { code: 'ERR_CACHE_FULL' }))).toBeInstanceOf(EngineCapacityError);
    expect(apiErrorOf(new Error('the prompt does not fit in the KV cache pool (raise kvCacheBytes)'))).not.toBeInstanceOf(EngineCapacityError);
    expect(apiErrorOf(new EngineError('x', 'ERR_ENGINE'))).not.toBeInstanceOf(EngineCapacityError);
    expect(isNotPinnedError(new EngineError('x', 'ERR_NOT_PINNED'))).toBe(true);
    expect(isNotPinnedError(new Error('unpin: prefix is not pinned'))).toBe(false);
  });

  it('answers a prompt that can never fit with a 400, a full pool with a 503 that says when to retry', () => {
    const tooLarge = apiErrorOf(Object.assign(new Error('9000 tokens; the pool holds 4096'), { code: 'ERR_PROMPT_TOO_LARGE' }));
    expect(tooLarge).toBeInstanceOf(OpenAiError);
    expect(tooLarge).toMatchObject({ status: 400, code: 'prompt_too_large', param: 'messages' });
    const full = apiErrorOf(new EngineError('pool full', 'ERR_CACHE_FULL'));
    expect(full).toBeInstanceOf(EngineCapacityError);
    expect((full as EngineCapacityError).retryAfterSeconds).toBeGreaterThan(0);
    const other = new Error('boom');
    expect(apiErrorOf(other)).toBe(other);
  });
});
