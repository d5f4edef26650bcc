import { TenantFilter, knownTenant } from '../../components/tenant-filter';
import { fetchPromptStats, fetchTenants } from '../../lib/api';
import { formatCount, formatMs, formatPercent } from '../../lib/format';

export const metadata = { title: 'Prompts · ChunkServe admin' };

export default async function PromptsPage({ searchParams }: { searchParams: Promise<{ tenant?: string }> }) {
  const tenants = await fetchTenants();
  const tenant = knownTenant(tenants, (await searchParams).tenant);
  const prompts = await fetchPromptStats(tenant);
  const tenantName = new Map(tenants.map((t) => [t.id, t.name]));
  return (
    <section>
      <h1>Prompts</h1>
      <TenantFilter tenants={tenants} selected={tenant} />
      {prompts.length === 0 ? (
        <p>No prompts registered{tenant ? ' for this tenant' : ''}.</p>
      ) : (
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
            {prompts.map((p) => (
              <tr key={p.promptId}>
                <td>{tenantName.get(p.tenantId) ?? p.tenantId}</td>
                <td>{p.name}</td>
                <td className="num">{p.version}</td>
                <td className="num">{formatCount(p.tokens)}</td>
                <td className="num">{formatCount(p.cachedTokens)}</td>
                <td className="num">{formatCount(p.chunks)}</td>
                <td>{p.status}</td>
                <td className="num">{formatCount(p.requests)}</td>
                <td className="num">{p.requests ? formatPercent(p.hitRate) : '–'}</td>
                <td className="num">{p.requests ? formatMs(p.meanTtftMs) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
