// Display formatting shared by the pages.
export const formatCount = (n: number) => n.toLocaleString('en-US');

export const formatPercent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export const formatMs = (ms: number) => `${ms.toFixed(1)} ms`;

/** A timestamp as "2026-01-31 14:05:09 UTC" (null: "never"). */
export const formatTime = (iso: string | null) => (iso === null ? 'never' : `${new Date(iso).toISOString().replace('T', ' ').slice(0, 19)} UTC`);
