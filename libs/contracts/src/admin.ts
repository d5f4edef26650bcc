// The admin console's API (bearer ADMIN_TOKEN or an admin session): sessions, tenants with their
// settings, API keys, prompts of any tenant, the prompt dry-run, and the chunk tree by version.
import type { PromptDetail, PromptInfo, PromptVersionInfo, TenantInfo } from './tenancy';
import type { SeriesPoint } from './stats';

/** POST /admin/sessions: the opaque session id is shown once; only its hash is stored. */
export interface AdminSessionCreated {
  session: string;
  expiresAt: string;
}

/** Per-tenant limits; null means the platform default applies. */
export interface TenantSettings {
  pinnedChunkQuota: number | null;
  rateLimitRequests: number | null;
}

/** What applies to a tenant with no setting of its own. */
export interface PlatformLimits {
  pinnedTokensQuota: number;
  rateLimitRequests: number;
  rateLimitWindowMs: number;
  chunkSize: number;
}

/** GET /admin/tenants: a tenant with its settings and what it holds. */
export interface TenantSummary extends TenantInfo {
  settings: TenantSettings;
  activeApiKeys: number;
  prompts: number;
  /** Chunks pinned by its prompts' current versions (ceil(tokens / chunk size) each). */
  pinnedChunks: number;
  pinnedTokens: number;
  /** Requests in its usage history (removed with the tenant). */
  requests: number;
}

/** GET /admin/tenants/:id */
export interface TenantDetail extends TenantSummary {
  defaults: PlatformLimits;
}

/** GET /admin/tenants/:id/api-keys: never the secret. */
export interface ApiKeyInfo {
  id: string;
  prefix: string;
  tenantId: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** GET /admin/prompts: a prompt of any tenant with its current version. */
export interface AdminPromptInfo extends PromptInfo {
  tenantId: string;
  tenantName: string;
}

/** A version with the usage it served (requests are attributed by time: between its creation and the next version's). */
export interface AdminPromptVersion extends PromptVersionInfo {
  requests: number;
  /** cached / prompt tokens of its requests (null without requests). */
  hitRate: number | null;
  meanTtftMs: number | null;
  p95TtftMs: number | null;
}

/** GET /admin/prompts/:id */
export interface AdminPromptDetail extends Omit<PromptDetail, 'versions'> {
  tenantId: string;
  tenantName: string;
  chunkSize: number;
  versions: AdminPromptVersion[];
}

/** One chunk of a draft in a dry run: its text and whether the current version's chunk is reused. */
export interface DryRunChunk {
  index: number;
  tokens: number;
  /** The chunk's tokens decoded (the first chunk starts with the chat template's system header). */
  text: string;
  reused: boolean;
}

/** Text that looks like it changes per request (a date, a time, an id, a name). */
export interface DynamicTextWarning {
  kind: 'date' | 'time' | 'id' | 'number' | 'placeholder' | 'name';
  text: string;
  /** Character offset in the draft. */
  offset: number;
  /** The chunk it falls in: every chunk from there on stops being shared when it changes. */
  chunk: number;
}

/** POST /admin/prompts/dry-run, POST /admin/prompts/:id/dry-run */
export interface PromptDryRun {
  chunkSize: number;
  tokens: number;
  /** Chunks the draft would pin (the last one may be partial). */
  chunks: DryRunChunk[];
  /** Chunks of the current version (0 for a new prompt). */
  currentChunks: number;
  /** Of those, the full chunks the draft starts with unchanged: kept, not recomputed. */
  reusedChunks: number;
  /** The first token that differs from the current version (null when identical or new). */
  firstChangedToken: number | null;
  firstChangedChunk: number | null;
  /** Character offset in the draft where the first change falls (null when identical or new). */
  firstChangedOffset: number | null;
  /** The edit lands before the current version's last full chunk: reuse breaks from there. */
  breaksReuse: boolean;
  dynamicText: DynamicTextWarning[];
}

/** A prompt version located in the chunk tree. */
export interface TreeVersionRef {
  promptId: string;
  name: string;
  version: number;
  current: boolean;
}

/**
 * A run of chunks where each has a single child (collapsed), from chunk position `from` to `to`
 * on its path from the root.
 */
export interface ChunkRunNode {
  firstChunk: number;
  lastChunk: number;
  tenantId: string | null;
  from: number;
  to: number;
  chunks: number;
  tokens: number;
  pinnedChunks: number;
  /** Not pinned and not referenced by a running request: the cache may evict them. */
  evictableChunks: number;
  refs: number;
  /** Inserts that reused these chunks (largest in the run), when the engine counts them. */
  hits: number | null;
  /** Wall-clock last use (latest in the run), when the engine reports it. */
  lastUseMs: number | null;
  /** The prompt versions whose prefix runs through here (empty: request tails). */
  versions: TreeVersionRef[];
  children: ChunkRunNode[];
  /** Children left out to keep the view bounded, summed up. */
  hidden: { runs: number; chunks: number; tokens: number } | null;
}

/** Per prompt version: its chunks found in the cache, shared with other versions or its own. */
export interface TreeVersionSummary extends TreeVersionRef {
  tenantId: string;
  /** Chunks the version's tokens make (the last one may be partial). */
  expectedChunks: number;
  residentChunks: number;
  sharedChunks: number;
  uniqueChunks: number;
  pinnedChunks: number;
}

/** GET /admin/stats/tree/versions[?tenant=] */
export interface VersionTree {
  chunkSize: number;
  totalChunks: number;
  shownRuns: number;
  roots: ChunkRunNode[];
  /** Roots left out (request tails without a prompt), summed up. */
  hidden: ChunkRunNode['hidden'];
  versions: TreeVersionSummary[];
}

/** Inventory figures for the overview (one tenant's or all). */
export interface OverviewCounts {
  tenants: number;
  apiKeys: number;
  prompts: number;
  pinnedTokens: number;
}

/** Pushed on /admin/stats/live (per subscription: ?tenant=&bucket=): the latest usage buckets. */
export interface LiveUsage {
  type: 'usage';
  at: string;
  /** The last two buckets (the current one is still filling). */
  buckets: SeriesPoint[];
  counts: OverviewCounts;
}
