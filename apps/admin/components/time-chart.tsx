'use client';
// One line chart over time with labelled axes (units included): the overview's charts.
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';

export interface ChartLine {
  key: string;
  name: string;
  color: string;
  /** The right-hand axis (a second unit). */
  right?: boolean;
}

export interface TimeChartProps {
  title: string;
  testId: string;
  data: Record<string, number | string | null>[];
  lines: ChartLine[];
  yLabel: string;
  rightLabel?: string;
  yDomain?: [number | 'auto', number | 'auto'];
  yFormat?: (v: number) => string;
  /** Time of day for short ranges, date and time for long ones. */
  withDate?: boolean;
}

const COLORS = { p50: '#1f4f9c', p95: '#e08a00', p99: '#b3261e' };
export const PERCENTILE_COLORS = COLORS;

export function TimeChart({ title, testId, data, lines, yLabel, rightLabel, yDomain = [0, 'auto'], yFormat = (v) => String(v), withDate }: TimeChartProps) {
  const time = (iso: string) =>
    new Date(iso).toLocaleString('en-GB', withDate ? { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <LineChart width={560} height={250} data={data} margin={{ top: 10, right: rightLabel ? 10 : 24, bottom: 22, left: 12 }} accessibilityLayer>
        <CartesianGrid stroke="#eee" />
        <XAxis dataKey="t" tickFormatter={time} minTickGap={40} label={{ value: 'time (local)', position: 'insideBottom', offset: -14 }} />
        <YAxis yAxisId="left" width={64} domain={yDomain} tickFormatter={yFormat} allowDataOverflow label={{ value: yLabel, angle: -90, position: 'insideLeft', offset: 0, style: { textAnchor: 'middle' } }} />
        {rightLabel && (
          <YAxis yAxisId="right" orientation="right" width={56} allowDecimals={false} domain={[0, 'auto']} label={{ value: rightLabel, angle: 90, position: 'insideRight', style: { textAnchor: 'middle' } }} />
        )}
        <Tooltip labelFormatter={(label) => time(String(label))} formatter={(v, name, item) => (item.dataKey && lines.find((l) => l.key === item.dataKey)?.right ? String(v) : yFormat(Number(v)))} />
        <Legend verticalAlign="top" height={24} />
        {lines.map((l) => (
          <Line key={l.key} yAxisId={l.right ? 'right' : 'left'} type="monotone" name={l.name} dataKey={l.key} stroke={l.color} dot={{ r: 2 }} connectNulls={false} isAnimationActive={false} />
        ))}
      </LineChart>
    </figure>
  );
}
