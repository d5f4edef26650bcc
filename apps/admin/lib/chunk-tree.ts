// Turns the API's flat chunk list (each chunk names its parent) into nested nodes for display.
import type { CacheTreeChunk } from '@chunkserve/contracts';

export interface ChunkNode extends CacheTreeChunk {
  children: ChunkNode[];
}

export interface TreeTotals {
  chunks: number;
  tokens: number;
  pinnedChunks: number;
  roots: number;
}

/** Roots are chunks without a parent or whose parent is not in the list (filtered by tenant). */
export function nestChunks(chunks: CacheTreeChunk[]): ChunkNode[] {
  const nodes = new Map<number, ChunkNode>(chunks.map((c) => [c.id, { ...c, children: [] }]));
  const roots: ChunkNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parent === null ? undefined : nodes.get(node.parent);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export function treeTotals(chunks: CacheTreeChunk[], roots: ChunkNode[]): TreeTotals {
  return {
    chunks: chunks.length,
    tokens: chunks.reduce((sum, c) => sum + c.tokens, 0),
    pinnedChunks: chunks.filter((c) => c.pinned).length,
    roots: roots.length,
  };
}
