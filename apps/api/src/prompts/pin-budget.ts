// What pinning costs, in the engine's unit: whole chunks (a 13-token prompt holds a whole chunk).
import { OpenAiError } from '../common/openai-error';

/** Chunks that `tokens` pinned tokens hold. */
export function chunksFor(tokens: number, chunkSize: number): number {
  return Math.ceil(tokens / chunkSize);
}

/** Chunks all pinned prompts together may hold: PINNED_POOL_FRACTION of the engine's pool. */
export function pinnedBudgetChunks(capacityChunks: number, poolFraction: number): number {
  return Math.floor(capacityChunks * poolFraction);
}

export interface PinLimits {
  chunkSize: number;
  /** The tenant's own pinned-chunk quota (set by the admin); null: PINNED_TOKENS_QUOTA applies. */
  tenantQuotaChunks: number | null;
  /** PINNED_TOKENS_QUOTA: a tenant's pinned tokens, counted in whole chunks. */
  tenantQuotaTokens: number;
  /** floor(pool chunks x PINNED_POOL_FRACTION): every tenant's pinned chunks together. */
  budgetChunks: number;
}

export interface PinUsage {
  /** Chunks the new version needs. */
  adding: number;
  /** Chunks the version it replaces holds (0 for a new prompt). */
  releasing: number;
  tenantChunks: number;
  platformChunks: number;
}

/** 403 when the tenant's quota or the platform's pinned budget cannot take the new version. */
export function checkPinLimits(limits: PinLimits, usage: PinUsage): void {
  const { chunkSize } = limits;
  const tenantAfter = usage.tenantChunks - usage.releasing + usage.adding;
  if (limits.tenantQuotaChunks !== null) {
    if (tenantAfter > limits.tenantQuotaChunks) {
      throw new OpenAiError(
        403,
        `Pinned-chunk quota exceeded: this prompt needs ${usage.adding} chunks, the tenant pins ${usage.tenantChunks - usage.releasing} ` +
          `of its ${limits.tenantQuotaChunks} (its pinned-chunk quota). Shorten or delete a prompt, or raise the quota.`,
        'invalid_request_error',
        'pinned_chunks_quota_exceeded',
        'content',
      );
    }
  } else if (tenantAfter * chunkSize > limits.tenantQuotaTokens) {
    throw new OpenAiError(
      403,
      `Pinned-token quota exceeded: this prompt pins ${usage.adding} chunks (${usage.adding * chunkSize} tokens, counted in whole chunks ` +
        `of ${chunkSize}), the tenant pins ${(usage.tenantChunks - usage.releasing) * chunkSize} of its ${limits.tenantQuotaTokens} ` +
        `(PINNED_TOKENS_QUOTA). Shorten or delete a prompt.`,
      'invalid_request_error',
      'pinned_tokens_quota_exceeded',
      'content',
    );
  }
  const platformAfter = usage.platformChunks - usage.releasing + usage.adding;
  if (platformAfter > limits.budgetChunks) {
    throw new OpenAiError(
      403,
      `The platform's pinned budget is full: this prompt pins ${usage.adding} chunks and all tenants' prompts pin ` +
        `${usage.platformChunks - usage.releasing} of the ${limits.budgetChunks} chunks the budget allows (PINNED_POOL_FRACTION of the KV pool). ` +
        'Shorten or delete a prompt, or ask the operator for a larger pool.',
      'invalid_request_error',
      'pinned_pool_budget_exceeded',
      'content',
    );
  }
}
