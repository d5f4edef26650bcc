import Link from 'next/link';

import { TenantFilter, knownTenant } from '../../components/tenant-filter';
import { fetchPromptStats, fetchPrompts, fetchTenants } from '../../lib/api';
import { formatCount, formatMs, formatPercent } from '../../lib/format';

export const metadata = { title: 'Prompts · ChunkServe admin' };

export default async function PromptsPage({ searchParams }: { searchParams: Promise<{ tenant?: string; deleted?: string }> }) {
  const query = await searchParams;
  const tenants = await fetchTenants();
  const tenant = knownTenant(tenants, query.tenant);
  const [prompts, stats] = await Promise.all([fetchPrompts(tenant), fetchPromptStats(tenant)]);
  const usage = new Map(stats.map((s) => [s.promptId, s]));
  return (
    <section>
      <h1>Prompts</h1>
      {query.deleted && (
        <p className="ok" role="status">
          Prompt deleted and unpinned.
        </p>
      )}
      <TenantFilter tenants={tenants} selected={tenant} />
      <p>
        <Link href={`/prompts/new${tenant ? `?tenant=${tenant}` : ''}`}>New prompt</Link>
      </p>
      {prompts.length === 0 ? (
        <p>No prompts registered{tenant ? ' for this tenant' : ''}.</p>
      ) : (
        <div className="scroll">
          <table data-testid="prompts">
            <thead>
              <tr>
                <th>Tenant</th>
                <th>Name</th>
                <th className="num">Version</th>
                <th className="num">Tokens</th>
                <th className="num">Cached tokens</th>
                <th className="num">Chunks</th>
                <th>Status</th>
                <th className="num">Requests</th>
                <th className="num">Hit rate</th>
                <th className="num">Mean TTFT</th>
              </tr>
            </thead>
            <tbody>
              {prompts.map((p) => {
                const u = usage.get(p.id);
                return (
                  <tr key={p.id}>
                    <td>
                      <Link href={`/tenants/${p.tenantId}`}>{p.tenantName}</Link>
                    </td>
                    <td>
                      <Link href={`/prompts/${p.id}`}>{p.name}</Link>
                    </td>
                    <td className="num">{p.version}</td>
                    <td className="num">{formatCount(p.tokens)}</td>
                    <td className="num">{formatCount(p.cachedTokens)}</td>
                    <td className="num">{formatCount(p.chunks)}</td>
                    <td>{p.status}</td>
                    <td className="num">{formatCount(u?.requests ?? 0)}</td>
                    <td className="num">{u?.requests ? formatPercent(u.hitRate) : '–'}</td>
                    <td className="num">{u?.requests ? formatMs(u.meanTtftMs) : '–'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
