import { LivePanel } from '../components/live-panel';
import { SeriesCharts } from '../components/series-charts';
import { TenantFilter, knownTenant } from '../components/tenant-filter';
import { fetchModelId, fetchPlatformStats, fetchSeries, fetchTenants } from '../lib/api';
import { formatBytes, formatCount, formatPercent } from '../lib/format';

export const metadata = { title: 'Overview · ChunkServe admin' };

const SERIES_MINUTES = 60;
const SERIES_BUCKET_SECONDS = 60;

/** The demo model (scripts that run without MODEL_PATH) has random weights: its text is noise. */
const isDemoModel = (model: string | null) => model !== null && model.includes('demo');

export default async function OverviewPage({ searchParams }: { searchParams: Promise<{ tenant?: string }> }) {
  const [stats, tenants, model] = await Promise.all([fetchPlatformStats(), fetchTenants(), fetchModelId()]);
  const tenant = knownTenant(tenants, (await searchParams).tenant);
  const series = await fetchSeries(SERIES_MINUTES, SERIES_BUCKET_SECONDS, tenant);
  const { engine } = stats;
  const figures: [string, string][] = [
    ['Tenants', formatCount(stats.tenants)],
    ['API keys', formatCount(stats.apiKeys)],
    ['Prompts', formatCount(stats.prompts)],
    ['Pinned prompt tokens', formatCount(stats.pinnedTokens)],
    ['Requests', formatCount(stats.requests)],
    ['Hit rate', formatPercent(stats.hitRate)],
    ['Prompt tokens', formatCount(stats.promptTokens)],
    ['Cached tokens', formatCount(stats.cachedTokens)],
    ['Completion tokens', formatCount(stats.completionTokens)],
    ['KV in use', formatBytes(engine.bytes.inUse)],
    ['KV pinned', formatBytes(engine.bytes.pinned)],
    ['KV cached', formatBytes(engine.bytes.cached)],
    ['KV free', formatBytes(engine.bytes.free)],
    ['Running', formatCount(engine.runningSequences)],
    ['Waiting', formatCount(engine.waitingSequences)],
    ['Evictions', formatCount(engine.evictions)],
  ];
  return (
    <section>
      <h1>Overview</h1>
      <p>
        Model: <code data-testid="model">{model ?? 'unknown'}</code>
      </p>
      {isDemoModel(model) && (
        <p className="note" data-testid="demo-note">
          This is the demo model: its weights are random, so completions are meaningless text. Caching, scheduling
          and the figures below are real. Set <code>MODEL_PATH</code> to serve a real model.
        </p>
      )}
      <dl className="figures" data-testid="figures">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <h2>Live</h2>
      <LivePanel />
      <h2>Last {SERIES_MINUTES} minutes</h2>
      <TenantFilter tenants={tenants} selected={tenant} />
      <SeriesCharts points={series} />
    </section>
  );
}
