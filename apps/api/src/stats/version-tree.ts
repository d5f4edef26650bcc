// The chunk tree around prompt versions, for the dashboard. Pure.
//
// The engine's snapshot has each chunk's token count, parent, refs and pins, but not its token ids,
// so chunks are matched to prompt versions by layout: each version's tokens make an expected path
// of full chunks (and a partial tail), versions sharing a prefix share its full chunks, and a
// current version's chunks are pinned once by it. The expected tries are matched top-down against
// the tenant's tree, preferring the candidate whose subtree matches deepest; where two candidates
// match equally well, the label is a best guess (`ambiguous`). Everything else is request tails.
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
  /** Engine counters when it reports them. */
  hits?: number;
  lastUseMs?: number;
  /** The engine's logical clock: orders recency when lastUseMs is missing. */
  lastUse: number;
}

export interface TreeVersion extends TreeVersionRef {
  tenantId: string;
  tokens: number[];
}

export interface TreeLimits {
  /** Runs listed in all. */
  maxRuns: number;
  /** Unlabelled (tail) children listed per branch point, most recently used first. */
  maxTailsPerBranch: number;
}

interface Expected {
  uid: number;
  tokens: number;
  pins: number;
  versions: TreeVersion[];
  children: Map<string, Expected>;
  /** Nodes in this subtree (itself included). */
  size: number;
}

interface Actual extends TreeChunk {
  depth: number;
  children: Actual[];
  versions: TreeVersion[];
  ambiguous: boolean;
  subtreeChunks: number;
  subtreeTokens: number;
  recency: number;
  parentNode: Actual | undefined;
}

export function buildVersionTree(chunks: TreeChunk[], versions: TreeVersion[], chunkSize: number, limits: TreeLimits): VersionTree {
  const { roots: actualRoots } = nest(chunks);
  const summaries = new Map<TreeVersion, TreeVersionSummary>();
  for (const v of versions) summaries.set(v, summaryOf(v, chunkSize));

  const tenants = new Set([...actualRoots.map((r) => r.tenantId ?? ''), ...versions.map((v) => v.tenantId)]);
  for (const tenant of tenants) {
    const expected = expectedTrie(versions.filter((v) => v.tenantId === tenant), chunkSize);
    matchLevel(
      [...expected.values()],
      actualRoots.filter((r) => (r.tenantId ?? '') === tenant),
      new Map(),
    );
  }
  for (const root of actualRoots) countMatches(root, summaries);

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

function nest(chunks: TreeChunk[]): { roots: Actual[] } {
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
      hits: c.hits,
      lastUseMs: c.lastUseMs,
      lastUse: c.lastUse,
      depth: parent ? parent.depth + 1 : 0,
      children: [],
      versions: [],
      ambiguous: false,
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
  return { roots };
}

/** One trie of expected chunks over a tenant's versions: full chunks by content, then the partial tail. */
function expectedTrie(versions: TreeVersion[], chunkSize: number): Map<string, Expected> {
  let uid = 0;
  const roots = new Map<string, Expected>();
  const child = (level: Map<string, Expected>, key: string, tokens: number) => {
    let node = level.get(key);
    if (!node) {
      node = { uid: uid++, tokens, pins: 0, versions: [], children: new Map(), size: 0 };
      level.set(key, node);
    }
    return node;
  };
  for (const v of versions) {
    let level = roots;
    const full = Math.floor(v.tokens.length / chunkSize);
    const path: Expected[] = [];
    for (let i = 0; i < full; i++) {
      const node = child(level, v.tokens.slice(i * chunkSize, (i + 1) * chunkSize).join(','), chunkSize);
      path.push(node);
      level = node.children;
    }
    const tail = v.tokens.length - full * chunkSize;
    if (tail > 0) path.push(child(level, `tail:${v.tokens.slice(full * chunkSize).join(',')}`, tail));
    for (const node of path) {
      node.versions.push(v);
      if (v.current) node.pins += 1;
    }
  }
  const size = (n: Expected): number => (n.size = 1 + [...n.children.values()].reduce((s, c) => s + size(c), 0));
  for (const r of roots.values()) size(r);
  return roots;
}

/** How many expected nodes under (and with) `e` match the actual subtree at `a`. */
function score(e: Expected, a: Actual, memo: Map<string, number>): number {
  if (a.tokens !== e.tokens || a.pinCount > 0 !== e.pins > 0) return 0;
  const key = `${e.uid}:${a.id}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  let total = 1 + (a.pinCount === e.pins ? 0.5 : 0);
  const used = new Set<Actual>();
  for (const ec of sortedBySize(e)) {
    let best: Actual | undefined;
    let bestScore = 0;
    for (const ac of a.children) {
      if (used.has(ac)) continue;
      const s = score(ec, ac, memo);
      if (s > bestScore) [best, bestScore] = [ac, s];
    }
    if (best) {
      used.add(best);
      total += bestScore;
    }
  }
  memo.set(key, total);
  return total;
}

const sortedBySize = (e: Expected) => [...e.children.values()].sort((x, y) => y.size - x.size);

/** Labels the actual nodes that best match each expected node, level by level. */
function matchLevel(expected: Expected[], actual: Actual[], memo: Map<string, number>): void {
  const used = new Set<Actual>();
  for (const e of expected.sort((x, y) => y.size - x.size)) {
    const ranked = actual
      .filter((a) => !used.has(a))
      .map((a) => ({ a, s: score(e, a, memo) }))
      .filter((r) => r.s > 0)
      .sort((x, y) => y.s - x.s || x.a.id - y.a.id);
    if (ranked.length === 0) continue;
    const { a } = ranked[0];
    used.add(a);
    a.versions = e.versions;
    a.ambiguous = ranked.length > 1 && ranked[1].s === ranked[0].s;
    matchLevel([...e.children.values()], a.children, memo);
  }
}

function summaryOf(v: TreeVersion, chunkSize: number): TreeVersionSummary {
  const { tokens: _tokens, ...ref } = v;
  return { ...ref, expectedChunks: Math.ceil(v.tokens.length / chunkSize), residentChunks: 0, sharedChunks: 0, uniqueChunks: 0, pinnedChunks: 0 };
}

function countMatches(node: Actual, summaries: Map<TreeVersion, TreeVersionSummary>): void {
  for (const v of node.versions) {
    const s = summaries.get(v)!;
    s.residentChunks += 1;
    if (node.versions.length > 1) s.sharedChunks += 1;
    else s.uniqueChunks += 1;
    if (node.pinCount > 0) s.pinnedChunks += 1;
  }
  for (const c of node.children) countMatches(c, summaries);
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
    ambiguous: run.some((c) => c.ambiguous),
    children: nodes,
    hidden,
  };
}

const sum = <T>(items: T[], f: (t: T) => number) => items.reduce((s, t) => s + f(t), 0);
