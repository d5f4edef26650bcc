// The hit-rate chart's y axis: from just below the lowest value to 100%, on a round step, so that
// 97% against 99.9% is visible rather than squeezed into the top of a 0-100% axis.

const STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25];

export function hitRateDomain(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const low = Math.min(...values);
  const span = Math.max(1 - low, 0.001);
  const step = STEPS.find((s) => s * 5 >= span) ?? 0.25;
  return [Math.max(0, Math.floor((low - step / 2) / step) * step), 1];
}
