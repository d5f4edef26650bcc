import { checkPinLimits, chunksFor } from './pin-budget';

describe('pin limits', () => {
  const limits = { chunkSize: 64, tenantQuotaChunks: null, tenantQuotaTokens: 256, budgetChunks: 10 };

  it('counts whole chunks: a 13-token prompt holds one chunk of 64', () => {
    expect(chunksFor(13, 64)).toBe(1);
    expect(chunksFor(64, 64)).toBe(1);
    expect(chunksFor(65, 64)).toBe(2);
  });

  it("refuses past the tenant's quota counted in chunks, naming PINNED_TOKENS_QUOTA", () => {
    // Three 13-token prompts hold 3 chunks = 192 tokens of the 256 quota: a fourth fits, a fifth does not.
    expect(() => checkPinLimits(limits, { adding: 1, releasing: 0, tenantChunks: 3, platformChunks: 3 })).not.toThrow();
    expect(() => checkPinLimits(limits, { adding: 1, releasing: 0, tenantChunks: 4, platformChunks: 4 })).toThrow(
      expect.objectContaining({ status: 403, code: 'pinned_tokens_quota_exceeded', message: expect.stringContaining('of its 256 (PINNED_TOKENS_QUOTA)') }),
    );
    // Replacing a version releases its chunks first.
    expect(() => checkPinLimits(limits, { adding: 2, releasing: 2, tenantChunks: 4, platformChunks: 4 })).not.toThrow();
  });

  it("applies the tenant's own pinned-chunk quota instead of PINNED_TOKENS_QUOTA when the admin set one", () => {
    const own = { ...limits, tenantQuotaChunks: 6 };
    expect(() => checkPinLimits(own, { adding: 2, releasing: 0, tenantChunks: 4, platformChunks: 4 })).not.toThrow();
    expect(() => checkPinLimits(own, { adding: 3, releasing: 0, tenantChunks: 4, platformChunks: 4 })).toThrow(
      expect.objectContaining({ status: 403, code: 'pinned_chunks_quota_exceeded', message: expect.stringContaining('of its 6 (its pinned-chunk quota)') }),
    );
  });

  it("refuses past the platform's pinned budget, naming PINNED_POOL_FRACTION", () => {
    expect(() => checkPinLimits(limits, { adding: 2, releasing: 0, tenantChunks: 0, platformChunks: 9 })).toThrow(
      expect.objectContaining({ status: 403, code: 'pinned_pool_budget_exceeded', message: expect.stringContaining('PINNED_POOL_FRACTION') }),
    );
    expect(() => checkPinLimits(limits, { adding: 1, releasing: 0, tenantChunks: 0, platformChunks: 9 })).not.toThrow();
  });
});
