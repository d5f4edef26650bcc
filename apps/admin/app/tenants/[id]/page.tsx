import Link from 'next/link';

import { ConfirmButton } from '../../../components/confirm-button';
import { CopyButton } from '../../../components/copy-button';
import { CreateKeyButton } from '../../../components/create-key-button';
import { ErrorBanner } from '../../../components/error-banner';
import { TenantUsageChart } from '../../../components/tenant-usage-chart';
import { fetchApiKeys, fetchPrompts, fetchSeries, fetchTenant } from '../../../lib/api';
import { formatCount, formatTime } from '../../../lib/format';
import { deleteTenantAction, revokeKeyAction, updateTenantAction } from '../actions';

export const metadata = { title: 'Tenant · ChunkServe admin' };

const USAGE_MINUTES = 24 * 60;
const USAGE_BUCKET_SECONDS = 3600;

export default async function TenantPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ error?: string; saved?: string }> }) {
  const [{ id }, { error, saved }] = await Promise.all([params, searchParams]);
  const [tenant, keys, prompts, usage] = await Promise.all([fetchTenant(id), fetchApiKeys(id), fetchPrompts(id), fetchSeries(USAGE_MINUTES, USAGE_BUCKET_SECONDS, id)]);
  const { defaults, settings } = tenant;
  const quota = settings.pinnedChunkQuota;
  return (
    <section>
      <h1>
        Tenant <span data-testid="tenant-name">{tenant.name}</span>
      </h1>
      <p>
        Id <code>{tenant.id}</code> <CopyButton text={tenant.id} label="Copy id" /> · created {formatTime(tenant.createdAt)}
      </p>
      <ErrorBanner error={error} />
      {saved && (
        <p className="ok" role="status">
          Saved.
        </p>
      )}

      <h2>Quota use</h2>
      <p data-testid="quota">
        Pinned: {formatCount(tenant.pinnedChunks)} chunks ({formatCount(tenant.pinnedTokens)} tokens)
        {quota === null
          ? ` · platform default quota: ${formatCount(defaults.pinnedTokensQuota)} tokens`
          : ` of its quota of ${formatCount(quota)} chunks`}
      </p>
      {quota !== null && <meter min={0} max={Math.max(quota, 1)} value={tenant.pinnedChunks} aria-label="Pinned chunks of quota" />}

      <h2>Settings</h2>
      <form action={updateTenantAction} className="settings">
        <input type="hidden" name="id" value={tenant.id} />
        <label>
          Name <input name="name" defaultValue={tenant.name} required maxLength={100} />
        </label>
        <label>
          Pinned-chunk quota <input name="pinnedChunkQuota" type="number" min={0} defaultValue={settings.pinnedChunkQuota ?? ''} placeholder={`default: ${defaults.pinnedTokensQuota} tokens`} />
        </label>
        <label>
          Rate limit (requests per {defaults.rateLimitWindowMs / 1000} s){' '}
          <input name="rateLimitRequests" type="number" min={1} defaultValue={settings.rateLimitRequests ?? ''} placeholder={`default: ${defaults.rateLimitRequests}`} />
        </label>
        <p className="hint">Leave a limit blank for the platform default. Chunks hold {defaults.chunkSize} tokens.</p>
        <button type="submit">Save</button>
      </form>

      <h2>API keys</h2>
      <CreateKeyButton tenantId={tenant.id} />
      {keys.length === 0 ? (
        <p>No keys yet.</p>
      ) : (
        <table data-testid="keys">
          <thead>
            <tr>
              <th>Prefix</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td>
                  <code>{k.prefix}</code>
                </td>
                <td>{formatTime(k.createdAt)}</td>
                <td>{formatTime(k.lastUsedAt)}</td>
                <td>{k.revokedAt ? `revoked ${formatTime(k.revokedAt)}` : 'active'}</td>
                <td>
                  {!k.revokedAt && (
                    <ConfirmButton label="Revoke" title={`Revoke ${k.prefix}…?`} action={revokeKeyAction} fields={{ id: k.id, tenantId: tenant.id }}>
                      <p>Requests with this key are refused at once. This cannot be undone.</p>
                    </ConfirmButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Prompts</h2>
      {prompts.length === 0 ? (
        <p>
          No prompts. <Link href={`/prompts/new?tenant=${tenant.id}`}>Create one</Link>.
        </p>
      ) : (
        <ul data-testid="tenant-prompts">
          {prompts.map((p) => (
            <li key={p.id}>
              <Link href={`/prompts/${p.id}`}>{p.name}</Link> · v{p.version} · {p.status} · {formatCount(p.chunks)} chunks
            </li>
          ))}
        </ul>
      )}

      <h2>Usage, last 24 hours</h2>
      <TenantUsageChart points={usage} />

      <h2>Delete</h2>
      <ConfirmButton label="Delete tenant" title={`Delete ${tenant.name}?`} action={deleteTenantAction} fields={{ id: tenant.id }}>
        <p>
          Its {formatCount(prompts.length)} prompts are unpinned and deleted, its {formatCount(keys.length)} API keys stop working, and its usage history (
          {formatCount(tenant.requests)} requests) is removed: platform totals drop accordingly. This cannot be undone.
        </p>
      </ConfirmButton>
    </section>
  );
}
