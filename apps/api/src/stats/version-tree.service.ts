// The chunk tree by prompt version (GET /admin/stats/tree/versions): the engine's snapshot, the
// recent versions of the prompts (tokenized as they are pinned, cached by content), matched up by
// buildVersionTree.
import { Injectable } from '@nestjs/common';
import type { VersionTree } from '@chunkserve/contracts';

import { EngineService, tenantOf } from '../engine/engine.service';
import { StatsRepository } from './stats.repository';
import { buildVersionTree, type TreeChunk } from './version-tree';

/** Versions per prompt located in the tree (older ones are rarely still cached). */
const VERSIONS_PER_PROMPT = 5;
const LIMITS = { maxRuns: 400, maxTailsPerBranch: 8 };
const TOKEN_CACHE_ENTRIES = 500;

@Injectable()
export class VersionTreeService {
  private readonly tokenCache = new Map<string, number[]>();

  constructor(
    private readonly repository: StatsRepository,
    private readonly engine: EngineService,
  ) {}

  async tree(tenantId?: string): Promise<VersionTree> {
    const [snapshot, versions] = await Promise.all([this.engine.snapshot(tenantId), this.repository.recentVersions(VERSIONS_PER_PROMPT, tenantId)]);
    const chunks: TreeChunk[] = snapshot.chunks.map((c) => ({
      id: c.id,
      parent: c.parent,
      tenantId: tenantOf(c.namespace),
      tokens: c.tokens,
      refs: c.refCount,
      pinCount: c.pinCount,
      lastUse: c.lastUse,
      hits: c.hits,
      lastUseMs: c.lastUseMs,
    }));
    const located = versions.map(({ content, ...v }) => ({ ...v, tokens: this.tokens(content) }));
    return buildVersionTree(chunks, located, this.engine.chunkSize, LIMITS);
  }

  private tokens(content: string): number[] {
    let tokens = this.tokenCache.get(content);
    if (!tokens) {
      tokens = this.engine.encodeSystemPrefix(content);
      if (this.tokenCache.size >= TOKEN_CACHE_ENTRIES) this.tokenCache.delete(this.tokenCache.keys().next().value!);
      this.tokenCache.set(content, tokens);
    }
    return tokens;
  }
}
