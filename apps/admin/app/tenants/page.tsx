import Link from 'next/link';

import { ErrorBanner } from '../../components/error-banner';
import { fetchTenants } from '../../lib/api';
import { formatCount, formatTime } from '../../lib/format';
import { createTenantAction } from './actions';

export const metadata = { title: 'Tenants · ChunkServe admin' };

export default async function TenantsPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const [tenants, { error }] = await Promise.all([fetchTenants(), searchParams]);
  return (
    <section>
      <h1>Tenants</h1>
      <ErrorBanner error={error} />
      <form action={createTenantAction} className="inline-form">
        <label>
          New tenant <input name="name" required maxLength={100} placeholder="acme" />
        </label>
        <button type="submit">Create tenant</button>
      </form>
      {tenants.length === 0 ? (
        <p>No tenants yet: create the first one above.</p>
      ) : (
        <div className="scroll">
          <table data-testid="tenants">
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Active keys</th>
                <th className="num">Prompts</th>
                <th className="num">Pinned chunks</th>
                <th className="num">Requests</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {tenants.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Link href={`/tenants/${t.id}`}>{t.name}</Link>
                  </td>
                  <td className="num">{formatCount(t.activeApiKeys)}</td>
                  <td className="num">{formatCount(t.prompts)}</td>
                  <td className="num">
                    {formatCount(t.pinnedChunks)}
                    {t.settings.pinnedChunkQuota !== null && ` of ${formatCount(t.settings.pinnedChunkQuota)}`}
                  </td>
                  <td className="num">{formatCount(t.requests)}</td>
                  <td>{formatTime(t.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
