'use client';
// Hit-rate and throughput over time, drawn in the browser from the series the server fetched.
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { SeriesPoint } from '@chunkserve/contracts';

const time = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

/** Small rates (a few tokens over a minute) need decimals; large ones do not. */
const rate = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(2))));

interface ChartPoint {
  t: string;
  /** null for a bucket without requests: a gap, not a 0% hit rate. */
  hitRate: number | null;
  tokensPerSecond: number;
}

function SeriesChart({ title, points, dataKey, percent }: { title: string; points: ChartPoint[]; dataKey: 'hitRate' | 'tokensPerSecond'; percent?: boolean }) {
  return (
    <figure className="chart" data-testid={`chart-${dataKey}`}>
      <figcaption>{title}</figcaption>
      <LineChart width={520} height={220} data={points} margin={{ top: 10, right: 20, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="#eee" />
        <XAxis dataKey="t" tickFormatter={time} minTickGap={30} />
        <YAxis width={56} domain={percent ? [0, 1] : [0, 'auto']} tickFormatter={(v: number) => (percent ? `${Math.round(v * 100)}%` : rate(v))} />
        <Tooltip labelFormatter={(label) => time(String(label))} formatter={(v) => (percent ? `${(Number(v) * 100).toFixed(1)}%` : rate(Number(v)))} />
        {/* Hit rate has gaps (buckets without requests): dots keep a lone bucket visible. */}
        <Line type="monotone" dataKey={dataKey} stroke="#1f4f9c" dot={percent ? { r: 2 } : false} isAnimationActive={false} />
      </LineChart>
    </figure>
  );
}

export function SeriesCharts({ points }: { points: SeriesPoint[] }) {
  const data: ChartPoint[] = points.map((p) => ({ t: p.t, hitRate: p.requests ? p.hitRate : null, tokensPerSecond: p.tokensPerSecond }));
  return (
    <div className="charts">
      <SeriesChart title="Prefix-cache hit rate (cached / prompt tokens)" points={data} dataKey="hitRate" percent />
      <SeriesChart title="Throughput (completion tokens/s)" points={data} dataKey="tokensPerSecond" />
    </div>
  );
}
