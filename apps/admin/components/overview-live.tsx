'use client';
// The overview's cards and charts, kept live by the server's push: the browser listens to /live
// (an EventSource relayed from the API's /admin/stats/live WebSocket), merges each pushed usage
// bucket into the series it was given and appends each engine sample. Nothing is re-downloaded.
import { useEffect, useMemo, useState } from 'react';
import type { LiveStats, LiveUsage, OverviewCounts, SeriesPoint } from '@chunkserve/contracts';

import { formatBytes, formatCount, formatMs, formatPercent } from '../lib/format';
import { hitRateDomain } from '../lib/hit-rate-axis';
import { formatSeconds } from '../lib/time-ranges';
import { PERCENTILE_COLORS, TimeChart } from './time-chart';

export interface OverviewLiveProps {
  tenant?: string;
  tenantLabel: string;
  minutes: number;
  bucketSeconds: number;
  series: SeriesPoint[];
  counts: OverviewCounts;
  samples: LiveStats[];
}

const MAX_SAMPLES = 720;

/** Replaces buckets with the same start, appends new ones, drops those before the range. */
function mergeBuckets(series: SeriesPoint[], pushed: SeriesPoint[], minutes: number): SeriesPoint[] {
  const byStart = new Map(series.map((p) => [p.t, p]));
  for (const p of pushed) byStart.set(p.t, p);
  const since = Date.now() - minutes * 60_000 - 60_000;
  return [...byStart.values()].filter((p) => Date.parse(p.t) >= since).sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
}

/** p50, p95 and p99 lines of `ttft` or `itl`. */
const percentileLines = (prefix: 'ttft' | 'itl') =>
  (['p50', 'p95', 'p99'] as const).map((p) => ({ key: `${prefix}${p.toUpperCase()}Ms`, name: p, color: PERCENTILE_COLORS[p] }));

const ms = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(2))));
const rate = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(2))));

export function OverviewLive(props: OverviewLiveProps) {
  const [series, setSeries] = useState(props.series);
  const [counts, setCounts] = useState(props.counts);
  const [samples, setSamples] = useState(props.samples);
  const [pushes, setPushes] = useState(0);
  const [status, setStatus] = useState('connecting');

  useEffect(() => {
    const query = new URLSearchParams({ bucket: String(props.bucketSeconds) });
    if (props.tenant) query.set('tenant', props.tenant);
    const source = new EventSource(`/live?${query}`);
    source.onopen = () => setStatus('live');
    source.onerror = () => setStatus('reconnecting');
    source.onmessage = (event) => {
      const message = JSON.parse(event.data) as LiveUsage | LiveStats | { type: 'history'; samples: LiveStats[] } | { type: 'error' };
      if (message.type === 'usage') {
        setSeries((current) => mergeBuckets(current, message.buckets, props.minutes));
        setCounts(message.counts);
        setPushes((n) => n + 1);
      } else if (message.type === 'stats') {
        setSamples((current) => [...current, message].slice(-MAX_SAMPLES));
      } else if (message.type === 'history') {
        setSamples(message.samples);
      }
    };
    return () => source.close();
  }, [props.tenant, props.bucketSeconds, props.minutes]);

  const totals = useMemo(() => {
    const sum = (f: (p: SeriesPoint) => number) => series.reduce((s, p) => s + f(p), 0);
    const prompt = sum((p) => p.promptTokens);
    return { requests: sum((p) => p.requests), prompt, cached: sum((p) => p.cachedTokens), completion: sum((p) => p.completionTokens), hitRate: prompt ? sum((p) => p.cachedTokens) / prompt : null };
  }, [series]);
  const engine = samples.at(-1)?.engine;
  const sampleSeconds = samples.length >= 2 ? (Date.parse(samples.at(-1)!.at) - Date.parse(samples.at(-2)!.at)) / 1000 : null;
  const latest = [...series].reverse().find((p) => p.requests > 0);

  const figures: [string, string][] = [
    ['Tenants', formatCount(counts.tenants)],
    ['API keys', formatCount(counts.apiKeys)],
    ['Prompts', formatCount(counts.prompts)],
    ['Pinned prompt tokens', formatCount(counts.pinnedTokens)],
    ['Requests', formatCount(totals.requests)],
    ['Hit rate', totals.hitRate === null ? '–' : formatPercent(totals.hitRate)],
    ['Prompt tokens', formatCount(totals.prompt)],
    ['Cached tokens', formatCount(totals.cached)],
    ['Completion tokens', formatCount(totals.completion)],
    ['TTFT p95 (last bucket)', latest?.ttftP95Ms == null ? '–' : formatMs(latest.ttftP95Ms)],
    ['KV in use', engine ? formatBytes(engine.bytes.inUse) : '–'],
    ['KV pinned', engine ? formatBytes(engine.bytes.pinned) : '–'],
    ['KV cached', engine ? formatBytes(engine.bytes.cached) : '–'],
    ['KV free', engine ? formatBytes(engine.bytes.free) : '–'],
    ['Running', engine ? formatCount(engine.runningSequences) : '–'],
    ['Waiting', engine ? formatCount(engine.waitingSequences) : '–'],
    ['Evictions', engine ? formatCount(engine.evictions) : '–'],
  ];

  const withDate = props.minutes > 1440;
  const buckets = formatSeconds(props.bucketSeconds);
  const points = series.map((p) => ({ ...p, hitRate: p.requests ? p.hitRate : null }));
  const hitRates = series.filter((p) => p.requests > 0).map((p) => p.hitRate);
  const engineData = samples.map((s) => ({ t: s.at, tokensPerSecond: s.tokensPerSecond, running: s.engine.runningSequences, waiting: s.engine.waitingSequences }));

  return (
    <>
      <p className="live-status" aria-live="polite">
        <span data-testid="live-status">{status}</span> · <span data-testid="live-pushes">{pushes} updates</span> · request figures for{' '}
        {props.tenantLabel} over the range; pool and engine figures are engine-wide.
      </p>
      <dl className="figures" data-testid="figures">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <div className="charts">
        <TimeChart
          title={`Time to first token, p50/p95/p99 per ${buckets} bucket`}
          testId="chart-ttft"
          data={points}
          yLabel="TTFT (ms)"
          yFormat={ms}
          withDate={withDate}
          lines={percentileLines('ttft')}
        />
        <TimeChart
          title={`Inter-token latency (each request's mean gap between tokens), p50/p95/p99 per ${buckets} bucket`}
          testId="chart-itl"
          data={points}
          yLabel="inter-token latency (ms)"
          yFormat={ms}
          withDate={withDate}
          lines={percentileLines('itl')}
        />
        <TimeChart
          title={`Prefix-cache hit rate (cached / prompt tokens) per ${buckets} bucket; the axis starts near the lowest value`}
          testId="chart-hitRate"
          data={points}
          yLabel="hit rate (%)"
          yDomain={hitRateDomain(hitRates)}
          yFormat={(v) => `${(v * 100).toFixed(hitRateDomain(hitRates)[0] > 0.9 ? 1 : 0)}%`}
          withDate={withDate}
          lines={[{ key: 'hitRate', name: 'hit rate', color: '#1f4f9c' }]}
        />
        <TimeChart
          title={`Throughput: completion tokens/s averaged over each ${buckets} bucket`}
          testId="chart-tokensPerSecond"
          data={points}
          yLabel="tokens/s"
          yFormat={rate}
          withDate={withDate}
          lines={[{ key: 'tokensPerSecond', name: 'tokens/s', color: '#2e7d32' }]}
        />
        <TimeChart
          title={`Engine, live (all tenants): tokens/s averaged over each ${sampleSeconds === null ? 'sample' : `${sampleSeconds.toFixed(1)} s sample`}; running and waiting sequences`}
          testId="live"
          data={engineData}
          yLabel="tokens/s"
          rightLabel="sequences"
          yFormat={rate}
          lines={[
            { key: 'tokensPerSecond', name: 'tokens/s', color: '#1f4f9c' },
            { key: 'running', name: 'running', color: '#2e7d32', right: true },
            { key: 'waiting', name: 'waiting', color: '#c62828', right: true },
          ]}
        />
      </div>
      <p>
        <span data-testid="live-samples">{samples.length} samples</span>
      </p>
    </>
  );
}
