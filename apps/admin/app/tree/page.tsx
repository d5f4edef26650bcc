import type { TenantInfo } from '@chunkserve/contracts';

import { TenantFilter, knownTenant } from '../../components/tenant-filter';
import { fetchCacheTree, fetchTenants } from '../../lib/api';
import { nestChunks, treeTotals, type ChunkNode } from '../../lib/chunk-tree';
import { formatCount } from '../../lib/format';

export const metadata = { title: 'Chunk tree · ChunkServe admin' };

function ChunkItem({ node, tenantName }: { node: ChunkNode; tenantName: Map<string, string> }) {
  return (
    <li data-testid="chunk">
      <span>
        #{node.id} · {node.tokens} tokens · refs {node.refs}
        {node.pinned && <span className="pinned"> · pinned</span>} · last use {node.lastUse}
        {node.parent === null && ` · tenant ${node.tenantId ? (tenantName.get(node.tenantId) ?? node.tenantId) : 'unknown'}`}
      </span>
      {node.children.length > 0 && (
        <ul>
          {node.children.map((child) => (
            <ChunkItem key={child.id} node={child} tenantName={tenantName} />
          ))}
        </ul>
      )}
    </li>
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
        trees, {formatCount(totals.tokens)} tokens; chunk size {tree.chunkSize} tokens. Last use is the engine&apos;s
        logical clock (higher is more recent).
      </p>
      {roots.length > 0 && (
        <ul className="tree">
          {roots.map((root) => (
            <ChunkItem key={root.id} node={root} tenantName={tenantName} />
          ))}
        </ul>
      )}
    </section>
  );
}
