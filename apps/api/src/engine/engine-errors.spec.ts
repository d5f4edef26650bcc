import { isCapacityError } from './engine-errors';

describe('isCapacityError', () => {
  it("recognises the engine's full-pool messages and nothing else", () => {
    expect(isCapacityError(new Error('the prompt does not fit in the KV cache pool (raise kvCacheBytes)'))).toBe(true);
    expect(isCapacityError(new Error('the prompt needs more KV cache than the whole pool holds (9000 tokens; raise kvCacheBytes)'))).toBe(true);
    expect(isCapacityError({ message: 'the prompt does not fit in the KV cache pool' })).toBe(true);
    expect(isCapacityError(new Error('LlmEngine is closed'))).toBe(false);
    expect(isCapacityError('pool full')).toBe(false);
  });
});
