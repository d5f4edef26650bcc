import { hitRateDomain } from './hit-rate-axis';

describe('hitRateDomain', () => {
  it('zooms in on high hit rates so that their differences show', () => {
    const [low, high] = hitRateDomain([0.97, 0.985, 0.999]);
    expect(high).toBe(1);
    expect(low).toBeGreaterThanOrEqual(0.9);
    expect(low).toBeLessThan(0.97);
  });

  it('spans the whole range for low or mixed values, and 0-100% without data', () => {
    expect(hitRateDomain([0.1, 0.9])[0]).toBe(0);
    expect(hitRateDomain([])).toEqual([0, 1]);
    expect(hitRateDomain([1, 1])[0]).toBeGreaterThan(0.99);
  });
});
