/** A tenant (GET/POST /admin/tenants). */
export interface TenantInfo {
  id: string;
  name: string;
  createdAt: string;
}

/** POST /admin/tenants/:id/api-keys: `key` is shown this once; only its hash is stored. */
export interface CreatedApiKey {
  id: string;
  key: string;
  prefix: string;
  tenantId: string;
  createdAt: string;
}

/**
 * warming: stored, being pinned; warm: pinned, served from cache; superseded: an older version;
 * failed: not pinned (statusDetail says why), retried in the background.
 */
export type PromptStatus = 'warming' | 'warm' | 'superseded' | 'failed';

/** A prompt with its current version's figures (POST/PUT /v1/prompts, GET /v1/prompts). */
export interface PromptInfo {
  id: string;
  name: string;
  version: number;
  /** Tokens of the system turn rendered with the model's chat template. */
  tokens: number;
  /** Of those, tokens held in the engine's chunks after pre-warming. */
  cachedTokens: number;
  chunks: number;
  status: PromptStatus;
  /** Why the status is failed; absent otherwise. */
  statusDetail?: string;
  createdAt: string;
  updatedAt: string;
}

export interface PromptVersionInfo {
  version: number;
  content: string;
  tokens: number;
  cachedTokens: number;
  chunks: number;
  status: PromptStatus;
  statusDetail?: string;
  createdAt: string;
}

/** GET /v1/prompts/:id */
export interface PromptDetail extends PromptInfo {
  content: string;
  versions: PromptVersionInfo[];
}
