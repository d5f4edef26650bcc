// The overview's time ranges: how far back, and the bucket width that gives about 60 points.
export interface TimeRange {
  id: string;
  label: string;
  minutes: number;
  bucketSeconds: number;
}

export const TIME_RANGES: TimeRange[] = [
  { id: '15m', label: 'Last 15 minutes', minutes: 15, bucketSeconds: 15 },
  { id: '1h', label: 'Last hour', minutes: 60, bucketSeconds: 60 },
  { id: '6h', label: 'Last 6 hours', minutes: 360, bucketSeconds: 300 },
  { id: '24h', label: 'Last 24 hours', minutes: 1440, bucketSeconds: 1200 },
  { id: '7d', label: 'Last 7 days', minutes: 10080, bucketSeconds: 7200 },
];

export const rangeOf = (id: string | undefined): TimeRange => TIME_RANGES.find((r) => r.id === id) ?? TIME_RANGES[1];

/** "15 s", "5 min", "2 h". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${seconds / 60} min`;
  return `${seconds / 3600} h`;
}
