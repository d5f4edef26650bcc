'use client';
import type { SeriesPoint } from '@chunkserve/contracts';

import { TimeChart } from './time-chart';

/** A tenant's requests and hit rate per hour. */
export function TenantUsageChart({ points }: { points: SeriesPoint[] }) {
  const data = points.map((p) => ({ t: p.t, requests: p.requests, hitRate: p.requests ? Math.round(p.hitRate * 1000) / 10 : null }));
  return (
    <TimeChart
      title="Requests per hour (right) and hit rate (left)"
      testId="chart-tenant-usage"
      data={data}
      yLabel="hit rate (%)"
      rightLabel="requests"
      yDomain={[0, 100]}
      withDate
      lines={[
        { key: 'hitRate', name: 'hit rate (%)', color: '#1f4f9c' },
        { key: 'requests', name: 'requests', color: '#2e7d32', right: true },
      ]}
    />
  );
}
