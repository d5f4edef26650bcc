// The chunk tree around prompt versions, for the dashboard. Pure.
//
// Every chunk of the engine's snapshot carries its prefix hash (the namespace and every token from
// the root), and the engine computes the hashes a version's tokens make (prefixChunkHashes), so a
// chunk is labelled exactly with the versions whose prefix runs through it; everything else is
// request tails. Hashes are namespace-seeded, so a version never labels another tenant's chunk.
// Single-child runs with the same labels collapse into one node, and the output is bounded: per
// branch point only the most recently used tails are listed, the rest summed up as `hidden`.
import type { ChunkRunNode, TreeVersionRef, TreeVersionSummary, VersionTree } from '@chunkserve/contracts';

export interface TreeChunk {
  id: number;
  parent: number | null;
  tenantId: string | null;
  tokens: number;
  refs: number;
  pinCount: number;
  /** The engine's prefix hash; null for an empty tail. */
  hash: string | null;
  /** Engine counters when it reports them. */
  hits?: number;
  lastUseMs?: number;
  /** The engine's logical clock: orders recency when lastUseMs is missing. */
  lastUse: number;
}

export interface TreeVersion extends TreeVersionRef {
  tenantId: string;
  /** The prefix hash of each chunk of the version's tokens, in order (the last may be partial). */
  chunkHashes: string[];
}

export interface TreeLimits {
  /** Runs listed in all. */
  maxRuns: number;
  /** Unlabelled (tail) children listed per branch point, most recently used first. */
  maxTailsPerBranch: number;
}

interface Actual extends TreeChunk {
  depth: number;
  children: Actual[];
  versions: TreeVersion[];
  subtreeChunks: number;
  subtreeTokens: number;
  recency: number;
  parentNode: Actual | undefined;
}

export function buildVersionTree(chunks: TreeChunk[], versions: TreeVersion[], chunkSize: number, limits: TreeLimits): VersionTree {
  const { roots: actualRoots, nodes } = nest(chunks);
  const byHash = new Map<string, TreeVersion[]>();
  for (const v of versions) {
    for (const h of new Set(v.chunkHashes)) byHash.set(h, [...(byHash.get(h) ?? []), v]);
  }
  const summaries = new Map<TreeVersion, TreeVersionSummary>();
  for (const v of versions) summaries.set(v, summaryOf(v));
  const counted = new Set<string>(); // a version's hash counts once, even when two chunks hold it
  for (const node of nodes) {
    node.versions = (node.hash !== null && byHash.get(node.hash)) || [];
    if (node.versions.length === 0 || counted.has(node.hash!)) continue;
    counted.add(node.hash!);
    countMatch(node, summaries);
  }

  const budget = { runs: limits.maxRuns };
  const roots = listChildren(actualRoots, budget, limits);
  return {
    chunkSize,
    totalChunks: chunks.length,
    shownRuns: limits.maxRuns - budget.runs,
    roots: roots.nodes,
    hidden: roots.hidden,
    versions: [...summaries.values()],
  };
}

function nest(chunks: TreeChunk[]): { roots: Actual[]; nodes: Actual[] } {
  const byId = new Map<number, Actual>();
  const roots: Actual[] = [];
  const nodes: Actual[] = [];
  for (const c of chunks) {
    const parent = c.parent === null ? undefined : byId.get(c.parent);
    const node: Actual = {
      id: c.id,
      parent: c.parent,
      tenantId: c.tenantId,
      tokens: c.tokens,
      refs: c.refs,
      pinCount: c.pinCount,
      hash: c.hash,
      hits: c.hits,
      lastUseMs: c.lastUseMs,
      lastUse: c.lastUse,
      depth: parent ? parent.depth + 1 : 0,
      children: [],
      versions: [],
      subtreeChunks: 1,
      subtreeTokens: c.tokens,
      recency: c.lastUseMs ?? c.lastUse,
      parentNode: parent,
    };
    byId.set(c.id, node);
    nodes.push(node);
    (parent ? parent.children : roots).push(node);
  }
  // Parents come before children: sum subtrees bottom-up.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const parent = node.parentNode;
    if (!parent) continue;
    parent.subtreeChunks += node.subtreeChunks;
    parent.subtreeTokens += node.subtreeTokens;
    if (node.recency > parent.recency) parent.recency = node.recency;
  }
  return { roots, nodes };
}

function summaryOf(v: TreeVersion): TreeVersionSummary {
  const { chunkHashes, ...ref } = v;
  return { ...ref, expectedChunks: chunkHashes.length, residentChunks: 0, sharedChunks: 0, uniqueChunks: 0, pinnedChunks: 0 };
}

function countMatch(node: Actual, summaries: Map<TreeVersion, TreeVersionSummary>): void {
  for (const v of node.versions) {
    const s = summaries.get(v)!;
    s.residentChunks += 1;
    if (node.versions.length > 1) s.sharedChunks += 1;
    else s.uniqueChunks += 1;
    if (node.pinCount > 0) s.pinnedChunks += 1;
  }
}

const sameLabels = (a: Actual, b: Actual) => a.versions.length === b.versions.length && a.versions.every((v, i) => v === b.versions[i]) && a.pinCount > 0 === b.pinCount > 0;

/** Labelled children first, then the most recently used tails, within the budget; the rest summed up. */
function listChildren(children: Actual[], budget: { runs: number }, limits: TreeLimits): { nodes: ChunkRunNode[]; hidden: ChunkRunNode['hidden'] } {
  const labelled = children.filter((c) => c.versions.length > 0);
  const tails = children.filter((c) => c.versions.length === 0).sort((x, y) => y.recency - x.recency);
  const shown = [...labelled, ...tails.slice(0, limits.maxTailsPerBranch)];
  const nodes: ChunkRunNode[] = [];
  const left: Actual[] = [...tails.slice(limits.maxTailsPerBranch)];
  for (const child of shown) {
    if (budget.runs <= 0) left.push(child);
    else nodes.push(runOf(child, budget, limits));
  }
  const hidden = left.length === 0 ? null : { runs: left.length, chunks: sum(left, (c) => c.subtreeChunks), tokens: sum(left, (c) => c.subtreeTokens) };
  return { nodes, hidden };
}

function runOf(first: Actual, budget: { runs: number }, limits: TreeLimits): ChunkRunNode {
  budget.runs -= 1;
  const run = [first];
  for (let last = first; last.children.length === 1 && sameLabels(last, last.children[0]); ) {
    last = last.children[0];
    run.push(last);
  }
  const last = run[run.length - 1];
  const { nodes, hidden } = listChildren(last.children, budget, limits);
  const hits = run.filter((c) => c.hits !== undefined).map((c) => c.hits!);
  const lastUses = run.filter((c) => c.lastUseMs !== undefined).map((c) => c.lastUseMs!);
  return {
    firstChunk: first.id,
    lastChunk: last.id,
    tenantId: first.tenantId,
    from: first.depth,
    to: last.depth,
    chunks: run.length,
    tokens: sum(run, (c) => c.tokens),
    pinnedChunks: run.filter((c) => c.pinCount > 0).length,
    evictableChunks: run.filter((c) => c.pinCount === 0 && c.refs === 0).length,
    refs: Math.max(...run.map((c) => c.refs)),
    hits: hits.length ? Math.max(...hits) : null,
    lastUseMs: lastUses.length ? Math.max(...lastUses) : null,
    versions: first.versions.map(({ promptId, name, version, current }) => ({ promptId, name, version, current })),
    children: nodes,
    hidden,
  };
}

const sum = <T>(items: T[], f: (t: T) => number) => items.reduce((s, t) => s + f(t), 0);
