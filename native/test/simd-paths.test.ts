// Every SIMD path the CPU supports (capped with CHUNKSERVE_SIMD) matches the float64 reference.
import { execFileSync } from 'child_process';
import * as path from 'path';
import { backendInfo } from '../index';

const order = ['portable', 'avx2', 'avx512'];
const best = order.indexOf(backendInfo().simd);

describe.each(order)('SIMD level %s', (level) => {
  const supported = order.indexOf(level) <= best;
  (supported ? test : test.skip)('decode (TPP, baseline) and prefill match the reference', () => {
    const out = execFileSync(process.execPath, [path.join(__dirname, 'fixtures', 'simd-check.js')], {
      env: { ...process.env, CHUNKSERVE_SIMD: level },
      encoding: 'utf8',
    });
    const res = JSON.parse(out.trim().split('\n').pop()!);
    expect(res.simd).toBe(level);
    expect(res.worst).toBeLessThan(1e-5);
  });
});
