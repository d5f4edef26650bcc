'use client';
// The engine's live samples (GET /live, relayed by the dashboard's server), polled while the page
// is open: throughput and running/waiting sequences of the last few minutes.
import { useEffect, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, XAxis, YAxis } from 'recharts';
import type { LiveStats } from '@chunkserve/contracts';

const POLL_MS = 2000;

const time = (iso: string) => new Date(iso).toLocaleTimeString('en-GB');

export function LivePanel() {
  const [samples, setSamples] = useState<LiveStats[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    async function poll() {
      try {
        const res = await fetch('/live', { cache: 'no-store' });
        if (!res.ok || !res.headers.get('content-type')?.includes('application/json')) throw new Error(`status ${res.status}`);
        if (!stopped) {
          setSamples(await res.json());
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError(`live samples unavailable (${(err as Error).message})`);
      }
    }
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const last = samples.at(-1);
  const data = samples.map((s) => ({
    t: s.at,
    tokensPerSecond: s.tokensPerSecond,
    running: s.engine.runningSequences,
    waiting: s.engine.waitingSequences,
  }));
  return (
    <figure className="chart" data-testid="live">
      <figcaption>
        Live engine: <span data-testid="live-samples">{samples.length} samples</span>
        {last && ` · last at ${time(last.at)} · ${last.tokensPerSecond.toFixed(1)} tokens/s`}
        {error && <span className="error"> · {error}</span>}
      </figcaption>
      <LineChart width={520} height={220} data={data} margin={{ top: 10, right: 20, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="#eee" />
        <XAxis dataKey="t" tickFormatter={time} minTickGap={40} />
        <YAxis yAxisId="rate" width={56} domain={[0, 'auto']} />
        <YAxis yAxisId="seqs" orientation="right" allowDecimals={false} domain={[0, 'auto']} />
        <Legend />
        <Line yAxisId="rate" name="tokens/s" dataKey="tokensPerSecond" stroke="#1f4f9c" dot={false} isAnimationActive={false} />
        <Line yAxisId="seqs" name="running" dataKey="running" stroke="#2e7d32" dot={false} isAnimationActive={false} />
        <Line yAxisId="seqs" name="waiting" dataKey="waiting" stroke="#c62828" dot={false} isAnimationActive={false} />
      </LineChart>
    </figure>
  );
}
