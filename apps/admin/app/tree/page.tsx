import type { ChunkRunNode, TenantInfo } from '@chunkserve/contracts';

import { TenantFilter, knownTenant } from '../../components/tenant-filter';
import { fetchTenants, fetchVersionTree } from '../../lib/api';
import { formatCount } from '../../lib/format';

export const metadata = { title: 'Chunk tree · ChunkServe admin' };

const clock = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function label(run: ChunkRunNode): string {
  if (run.versions.length === 0) return 'request tails';
  const byPrompt = new Map<string, number[]>();
  for (const v of run.versions) byPrompt.set(v.name, [...(byPrompt.get(v.name) ?? []), v.version]);
  const names = [...byPrompt].map(([name, versions]) => `${name} ${versions.map((v) => `v${v}`).join(' and ')}`);
  return `${run.versions.length > 1 ? 'shared by ' : ''}${names.join(', ')}`;
}

function RunLine({ run, tenantName }: { run: ChunkRunNode; tenantName: Map<string, string> }) {
  const positions = run.from === run.to ? `#${run.from}` : `#${run.from}-#${run.to}`;
  const pinned = run.pinnedChunks === run.chunks ? 'pinned' : run.pinnedChunks > 0 ? `${run.pinnedChunks} pinned` : null;
  const evictable = run.evictableChunks === run.chunks ? 'evictable' : run.evictableChunks > 0 ? `${run.evictableChunks} evictable` : null;
  return (
    <span className="run" data-testid="run" data-first={run.firstChunk}>
      <strong>{positions}</strong>, {formatCount(run.chunks)} {run.chunks === 1 ? 'chunk' : 'chunks'} ({formatCount(run.tokens)} tokens)
      {pinned && <span className="pinned">, {pinned}</span>}
      {evictable && <span className="evictable">, {evictable}</span>}
      {run.refs > 0 && `, ${run.refs} running`}, <span className={run.versions.length ? 'version' : 'tails'}>{label(run)}</span>
      {run.hits !== null && ` · ${formatCount(run.hits)} hits`}
      {run.lastUseMs !== null && ` · last use ${clock(run.lastUseMs)} UTC`}
      {run.from === 0 && run.tenantId && ` · tenant ${tenantName.get(run.tenantId) ?? run.tenantId}`}
    </span>
  );
}

function Runs({ runs, hidden, tenantName }: { runs: ChunkRunNode[]; hidden: ChunkRunNode['hidden']; tenantName: Map<string, string> }) {
  return (
    <ul className="tree">
      {runs.map((run) => (
        <li key={run.firstChunk}>
          {run.children.length > 0 || run.hidden ? (
            <details open={run.versions.length > 0}>
              <summary>
                <RunLine run={run} tenantName={tenantName} />
              </summary>
              <Runs runs={run.children} hidden={run.hidden} tenantName={tenantName} />
            </details>
          ) : (
            <RunLine run={run} tenantName={tenantName} />
          )}
        </li>
      ))}
      {hidden && (
        <li className="hidden-runs" data-testid="hidden">
          … {formatCount(hidden.runs)} more request tails ({formatCount(hidden.chunks)} chunks, {formatCount(hidden.tokens)} tokens), least recently used, not listed
        </li>
      )}
    </ul>
  );
}

export default async function TreePage({ searchParams }: { searchParams: Promise<{ tenant?: string }> }) {
  const tenants: TenantInfo[] = await fetchTenants();
  const tenant = knownTenant(tenants, (await searchParams).tenant);
  const tree = await fetchVersionTree(tenant);
  const tenantName = new Map(tenants.map((t) => [t.id, t.name]));
  return (
    <section>
      <h1>Chunk tree</h1>
      <TenantFilter tenants={tenants} selected={tenant} />
      <p data-testid="tree-totals">
        {formatCount(tree.totalChunks)} chunks of {tree.chunkSize} tokens; {formatCount(tree.shownRuns)} runs shown. A run is a chain of single-child
        chunks, numbered by position from the root. Versions are matched to chunks by their token layout (the engine reports chunk sizes and pins,
        not token ids).
      </p>
      <h2>Prompt versions</h2>
      {tree.versions.length === 0 ? (
        <p>No prompt versions{tenant ? ' for this tenant' : ''}.</p>
      ) : (
        <table data-testid="tree-versions">
          <thead>
            <tr>
              <th>Prompt</th>
              <th>Version</th>
              <th className="num">Chunks</th>
              <th className="num">Resident</th>
              <th className="num">Shared</th>
              <th className="num">Unique</th>
              <th className="num">Pinned</th>
            </tr>
          </thead>
          <tbody>
            {tree.versions.map((v) => (
              <tr key={`${v.promptId}:${v.version}`}>
                <td>
                  {v.name}
                  {!tenant && ` (${tenantName.get(v.tenantId) ?? v.tenantId})`}
                </td>
                <td>
                  v{v.version}
                  {v.current ? ' (current)' : ''}
                </td>
                <td className="num">{formatCount(v.expectedChunks)}</td>
                <td className="num">{formatCount(v.residentChunks)}</td>
                <td className="num">{formatCount(v.sharedChunks)}</td>
                <td className="num">{formatCount(v.uniqueChunks)}</td>
                <td className="num">{formatCount(v.pinnedChunks)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Tree</h2>
      {tree.roots.length === 0 ? <p>The cache holds no chunks{tenant ? ' of this tenant' : ''}.</p> : <Runs runs={tree.roots} hidden={tree.hidden} tenantName={tenantName} />}
    </section>
  );
}
