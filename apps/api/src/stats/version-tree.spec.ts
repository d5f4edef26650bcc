import { prefixChunkHashes } from '@chunkserve/native';

import { buildVersionTree, type TreeChunk, type TreeVersion } from './version-tree';

// Chunk size 4, hashes as the engine computes them (namespace "ns:<tenant>").
const hashes = (tokens: number[], tenant = 't1') => prefixChunkHashes(`ns:${tenant}`, tokens, 4);
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const chunk = (id: number, parent: number | null, hash: string, tokens: number, pinCount = 0, values: Partial<TreeChunk> = {}): TreeChunk => ({
  id,
  parent,
  tenantId: 't1',
  tokens,
  refs: 0,
  pinCount,
  hash,
  lastUse: id,
  ...values,
});
const version = (name: string, n: number, tokens: number[], current: boolean, tenant = 't1'): TreeVersion => ({
  tenantId: tenant,
  promptId: `p-${name}`,
  name,
  version: n,
  current,
  chunkHashes: hashes(tokens, tenant),
});
const limits = { maxRuns: 100, maxTailsPerBranch: 10 };

// support v1: 2 full chunks + a 1-token tail; v2 (current) shares the full chunks, its tail has 3 tokens.
const v1Tokens = range(1, 9);
const v2Tokens = [...range(1, 8), 20, 21, 22];
const request = [...range(1, 8), 30, 31, 32, 33, 34, 35]; // a request below the shared chunks
const billingTokens = range(50, 8);
const v1 = version('support', 1, v1Tokens, false);
const v2 = version('support', 2, v2Tokens, true);
const billing = version('billing', 1, billingTokens, true);
const [s0, s1, v1Tail] = hashes(v1Tokens);
const v2Tail = hashes(v2Tokens)[2];
const [, , r2, r3] = hashes(request);
const [b0, b1] = hashes(billingTokens);
const chunks = [
  chunk(0, null, s0, 4, 1),
  chunk(1, 0, s1, 4, 1),
  chunk(2, 1, v1Tail, 1, 0),
  chunk(3, 1, v2Tail, 3, 1),
  chunk(4, 1, r2, 4, 0, { hits: 3, lastUseMs: 1000 }),
  chunk(5, 4, r3, 2, 0, { refs: 1, lastUseMs: 2000 }),
  chunk(10, null, b0, 4, 1),
  chunk(11, 10, b1, 4, 1),
  chunk(12, null, hashes(range(70, 4))[0], 4, 0),
];

describe('buildVersionTree', () => {
  const tree = buildVersionTree(chunks, [v1, v2, billing], 4, limits);
  const labels = (n: { versions: { name: string; version: number }[] }) => n.versions.map((v) => `${v.name} v${v.version}`);

  it('collapses the shared run and labels it with both versions, each tail with its own, and request tails with none', () => {
    const support = tree.roots.find((r) => r.firstChunk === 0)!;
    expect(support).toMatchObject({ firstChunk: 0, lastChunk: 1, from: 0, to: 1, chunks: 2, tokens: 8, pinnedChunks: 2, evictableChunks: 0 });
    expect(labels(support)).toEqual(['support v1', 'support v2']);
    const children = support.children.map((c) => ({ first: c.firstChunk, last: c.lastChunk, labels: labels(c), pinned: c.pinnedChunks }));
    expect(children).toEqual([
      { first: 2, last: 2, labels: ['support v1'], pinned: 0 },
      { first: 3, last: 3, labels: ['support v2'], pinned: 1 },
      { first: 4, last: 5, labels: [], pinned: 0 },
    ]);
    const tails = support.children[2];
    expect(tails).toMatchObject({ chunks: 2, tokens: 6, refs: 1, hits: 3, lastUseMs: 2000, evictableChunks: 1 });
    expect(tree.roots.find((r) => r.firstChunk === 10)).toMatchObject({ lastChunk: 11, chunks: 2 });
    expect(labels(tree.roots.find((r) => r.firstChunk === 10)!)).toEqual(['billing v1']);
    expect(labels(tree.roots.find((r) => r.firstChunk === 12)!)).toEqual([]);
  });

  it('counts shared and unique resident chunks per version', () => {
    const summary = (name: string, n: number) => tree.versions.find((v) => v.name === name && v.version === n);
    expect(summary('support', 1)).toMatchObject({ expectedChunks: 3, residentChunks: 3, sharedChunks: 2, uniqueChunks: 1, pinnedChunks: 2, current: false });
    expect(summary('support', 2)).toMatchObject({ expectedChunks: 3, residentChunks: 3, sharedChunks: 2, uniqueChunks: 1, pinnedChunks: 3, current: true });
    expect(summary('billing', 1)).toMatchObject({ expectedChunks: 2, residentChunks: 2, sharedChunks: 0, uniqueChunks: 2, pinnedChunks: 2 });
    expect(tree).toMatchObject({ chunkSize: 4, totalChunks: 9 });
  });

  it('reports a version whose chunks were evicted as not resident', () => {
    const evicted = buildVersionTree(chunks.filter((c) => c.id !== 2), [v1, v2], 4, limits);
    expect(evicted.versions.find((v) => v.version === 1)).toMatchObject({ residentChunks: 2, uniqueChunks: 0 });
  });

  it('lists the most recently used tails of a branch point and sums up the rest', () => {
    const only = version('only', 1, range(1, 4), true);
    const many = [chunk(0, null, only.chunkHashes[0], 4, 1), ...range(100, 30).map((id) => chunk(id, 0, `tail-${id}`, 3, 0, { lastUseMs: id }))];
    const bounded = buildVersionTree(many, [only], 4, { maxRuns: 100, maxTailsPerBranch: 5 });
    const [root] = bounded.roots;
    expect(root.children.map((c) => c.firstChunk)).toEqual([129, 128, 127, 126, 125]);
    expect(root.hidden).toEqual({ runs: 25, chunks: 25, tokens: 75 });
    const tight = buildVersionTree(many, [only], 4, { maxRuns: 3, maxTailsPerBranch: 5 });
    expect(tight.shownRuns).toBe(3);
    expect(tight.roots[0].children).toHaveLength(2);
    expect(tight.roots[0].hidden).toMatchObject({ runs: 28 });
  });

  it('tells apart chunks of the same shape by their content', () => {
    const a = version('a', 1, range(1, 4), true);
    const b = version('b', 1, range(9, 4), true);
    const twins = buildVersionTree([chunk(20, null, b.chunkHashes[0], 4, 1), chunk(21, null, a.chunkHashes[0], 4, 1)], [a, b], 4, limits);
    expect(twins.roots.map((r) => labels(r))).toEqual([['b v1'], ['a v1']]);
    expect(twins.versions.map((v) => v.residentChunks)).toEqual([1, 1]);
  });

  it('counts a chunk held twice (a pinned tail and a request copying it) once per version', () => {
    const twice = buildVersionTree([...chunks, chunk(6, 1, v2Tail, 3, 0, { refs: 1 })], [v2], 4, limits);
    expect(twice.versions[0]).toMatchObject({ expectedChunks: 3, residentChunks: 3 });
  });

  it('keeps tenants apart: a version only labels chunks of its own tenant', () => {
    const other = buildVersionTree([chunk(0, null, hashes(range(1, 4), 't2')[0], 4, 1, { tenantId: 't2' })], [version('a', 1, range(1, 4), true)], 4, limits);
    expect(other.roots[0].versions).toEqual([]);
    expect(other.versions[0].residentChunks).toBe(0);
  });
});

describe('buildVersionTree at scale', () => {
  it('turns 100,000 chunks into a bounded view', () => {
    // A 64-chunk prompt, then 4,000 request tails of 24 chunks each below it, branching in pairs.
    const prompt = version('big', 1, range(0, 64 * 4), true);
    const chunks = range(0, 64).map((i) => chunk(i, i === 0 ? null : i - 1, prompt.chunkHashes[i], 4, 1));
    let id = 64;
    for (let t = 0; t < 4000; t++) {
      let parent = t % 2 === 0 ? 63 : id - 24;
      for (let i = 0; i < 24; i++, id++) {
        chunks.push(chunk(id, parent, `tail-${id}`, i === 23 ? 2 : 4, 0, { lastUseMs: id }));
        parent = id;
      }
    }
    expect(chunks.length).toBeGreaterThan(96_000);
    const tree = buildVersionTree(chunks, [prompt], 4, { maxRuns: 400, maxTailsPerBranch: 8 });
    expect(tree.shownRuns).toBeLessThanOrEqual(400);
    expect(JSON.stringify(tree).length).toBeLessThan(500_000);
    expect(tree.roots[0]).toMatchObject({ from: 0, to: 63, chunks: 64, pinnedChunks: 64 });
    expect(tree.roots[0].hidden).toMatchObject({ runs: 2000 - 8 });
    expect(tree.versions[0]).toMatchObject({ residentChunks: 64, pinnedChunks: 64 });
  });
});
