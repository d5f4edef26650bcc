import type { TenantInfo } from '@chunkserve/contracts';

import { TenantFilter, knownTenant } from '../../components/tenant-filter';
import { fetchCacheTree, fetchTenants } from '../../lib/api';
import { nestChunks, treeTotals, type ChunkNode } from '../../lib/chunk-tree';
import { formatCount } from '../../lib/format';

export const metadata = { title: 'Chunk tree · ChunkServe admin' };

function ChunkLine({ node, tenantName }: { node: ChunkNode; tenantName: Map<string, string> }) {
  return (
    <span>
      #{node.id} · {node.tokens} tokens · refs {node.refs}
      {node.pinned && <span className="pinned"> · pinned</span>} · last use {node.lastUse}
      {node.parent === null && ` · tenant ${node.tenantId ? (tenantName.get(node.tenantId) ?? node.tenantId) : 'unknown'}`}
    </span>
  );
}

/**
 * A prompt is a long chain of chunks: a run of single children stays at one indentation level
 * (one list item each); at a branch point, where prefixes diverge, each child's run is its own
 * indented list.
 */
function ChunkRun({ node, tenantName }: { node: ChunkNode; tenantName: Map<string, string> }) {
  const run = [node];
  while (run[run.length - 1].children.length === 1) run.push(run[run.length - 1].children[0]);
  const branches = run[run.length - 1].children;
  return (
    <>
      {run.map((chunk, i) => (
        <li key={chunk.id} data-testid="chunk">
          <ChunkLine node={chunk} tenantName={tenantName} />
          {i === run.length - 1 &&
            branches.map((child) => (
              <ul key={child.id} data-testid="branch">
                <ChunkRun node={child} tenantName={tenantName} />
              </ul>
            ))}
        </li>
      ))}
    </>
  );
}

export default async function TreePage({ searchParams }: { searchParams: Promise<{ tenant?: string }> }) {
  const tenants: TenantInfo[] = await fetchTenants();
  const tenant = knownTenant(tenants, (await searchParams).tenant);
  const tree = await fetchCacheTree(tenant);
  const roots = nestChunks(tree.chunks);
  const totals = treeTotals(tree.chunks, roots);
  const tenantName = new Map(tenants.map((t) => [t.id, t.name]));
  return (
    <section>
      <h1>Chunk tree</h1>
      <TenantFilter tenants={tenants} selected={tenant} />
      <p data-testid="tree-totals">
        {formatCount(totals.chunks)} chunks ({formatCount(totals.pinnedChunks)} pinned) in {formatCount(totals.roots)}{' '}
        {totals.roots === 1 ? 'tree' : 'trees'}, {formatCount(totals.tokens)} tokens; chunk size {tree.chunkSize} tokens. Last use is the engine&apos;s
        logical clock (higher is more recent).
      </p>
      {roots.map((root) => (
        <ul key={root.id} className="tree" data-testid="root">
          <ChunkRun node={root} tenantName={tenantName} />
        </ul>
      ))}
    </section>
  );
}
