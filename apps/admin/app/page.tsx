import { OverviewLive } from '../components/overview-live';
import { TenantFilter, knownTenant } from '../components/tenant-filter';
import { fetchCounts, fetchEngineIdentity, fetchLiveStats, fetchSeries, fetchTenants } from '../lib/api';
import { rangeOf } from '../lib/time-ranges';

export const metadata = { title: 'Overview · ChunkServe admin' };

/** The demo model (scripts that run without MODEL_PATH) has random weights: its text is noise. */
const isDemoModel = (model: string | null) => model !== null && model.includes('demo');

export default async function OverviewPage({ searchParams }: { searchParams: Promise<{ tenant?: string; range?: string }> }) {
  const query = await searchParams;
  const [tenants, { model, device }] = await Promise.all([fetchTenants(), fetchEngineIdentity()]);
  const tenant = knownTenant(tenants, query.tenant);
  const range = rangeOf(query.range);
  const [series, counts, samples] = await Promise.all([fetchSeries(range.minutes, range.bucketSeconds, tenant), fetchCounts(tenant), fetchLiveStats()]);
  const tenantLabel = tenant ? `tenant ${tenants.find((t) => t.id === tenant)!.name}` : 'all tenants';
  return (
    <section>
      <h1>Overview</h1>
      <p>
        Model: <code data-testid="model">{model ?? 'unknown'}</code> · Device: <span data-testid="device">{device ?? 'unknown'}</span>
      </p>
      {isDemoModel(model) && (
        <p className="note" data-testid="demo-note">
          This is the demo model: its weights are random, so completions are meaningless text. Caching, scheduling
          and the figures below are real. Set <code>MODEL_PATH</code> to serve a real model.
        </p>
      )}
      <TenantFilter tenants={tenants} selected={tenant} range={range.id} />
      <OverviewLive
        key={`${tenant ?? ''}|${range.id}`}
        tenant={tenant}
        tenantLabel={tenantLabel}
        minutes={range.minutes}
        bucketSeconds={range.bucketSeconds}
        series={series}
        counts={counts}
        samples={samples}
      />
    </section>
  );
}
