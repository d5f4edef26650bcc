// The chunk tree by prompt version (GET /admin/stats/tree/versions): the engine's snapshot and the
// chunk hashes of the prompts' recent versions (tokenized as they are pinned, cached by tenant and
// content), matched up by buildVersionTree.
import { Injectable } from '@nestjs/common';
import type { VersionTree } from '@chunkserve/contracts';

import { tenantOf } from '../engine/cache-namespace';
import { EngineService } from '../engine/engine.service';
import { StatsRepository } from './stats.repository';
import { buildVersionTree, type TreeChunk } from './version-tree';

/** Versions per prompt located in the tree (older ones are rarely still cached). */
const VERSIONS_PER_PROMPT = 5;
const LIMITS = { maxRuns: 400, maxTailsPerBranch: 8 };
const HASH_CACHE_ENTRIES = 500;

@Injectable()
export class VersionTreeService {
  private readonly hashCache = new Map<string, string[]>();

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
      hash: c.hash,
      lastUse: c.lastUse,
      hits: c.hits,
      lastUseMs: c.lastUseMs,
    }));
    const located = versions.map(({ content, ...v }) => ({ ...v, chunkHashes: this.chunkHashes(v.tenantId, content) }));
    return buildVersionTree(chunks, located, this.engine.chunkSize, LIMITS);
  }

  private chunkHashes(tenantId: string, content: string): string[] {
    const key = `${tenantId}\n${content}`;
    let hashes = this.hashCache.get(key);
    if (!hashes) {
      hashes = this.engine.prefixChunkHashes(tenantId, this.engine.encodeSystemPrefix(content));
      if (this.hashCache.size >= HASH_CACHE_ENTRIES) this.hashCache.delete(this.hashCache.keys().next().value!);
      this.hashCache.set(key, hashes);
    }
    return hashes;
  }
}
