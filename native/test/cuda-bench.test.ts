// The CPU-side parts of the CUDA kernel benchmark (native/bench/bench-kernel-cuda.js): the rows,
// the JSON lines derived from a measurement, the raw/SDPA file readers and the table. The inputs
// below are made-up numbers chosen to make the arithmetic checkable, not measurements.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const bench = require('../bench/bench-kernel-cuda.js');

const made = {
  gpu: 'Test GPU',
  copyBytesPerS: 2e12,
  tppUs: 50,
  tppSpreadUs: 2,
  pdl: true,
  tppSerialUs: 55,
  baselineUs: 400,
  baselineSpreadUs: 10,
  tppBytes: 60e6,
  baselineBytes: 600e6,
  tppLayers: 4,
  baselineLayers: 1,
  chunkFirstPieces: 8,
  chunksPerPiece: 4,
  maxAbsDiff: 1e-3,
};

describe('CUDA kernel benchmark script (CPU side)', () => {
  it('covers the paper Table 3 rows, no sharing, and batch 16 to 96', () => {
    const rows: Array<{ batch: number; shared: number; unshared: number }> = bench.benchRows(false);
    for (const shared of [1024, 2048, 4096]) expect(rows).toContainEqual({ batch: 32, shared, unshared: 0 });
    expect(rows).toContainEqual({ batch: 32, shared: 0, unshared: 1024 });
    expect(rows.map((r) => r.batch)).toEqual(expect.arrayContaining([16, 32, 48, 64, 96]));
    expect(bench.benchRows(true).length).toBeLessThan(rows.length);
  });

  it('derives bandwidth, the fraction of the copy bandwidth and the memory floor', () => {
    const row = { batch: 32, shared: 1024, unshared: 0 };
    const { tpp, base } = bench.rowLines(row, made, { device: 'cuda: Test GPU' });
    expect(tpp.method).toBe('tpp');
    expect(base.method).toBe('baseline');
    expect(tpp.effective_GBps).toBeCloseTo(1200, 6); // 60 MB in 50 us
    expect(tpp.fraction_of_copy).toBeCloseTo(0.6, 6);
    expect(tpp.floor_us).toBeCloseTo(30, 6); // 60 MB at 2 TB/s
    expect(base.effective_GBps).toBeCloseTo(1500, 6);
    expect(tpp.kv_bytes_ideal).toBe(1024 * 32 * 128 * 2 * 2);
    expect(tpp.chunk_first_pieces).toBe(8);
  });

  it('reads raw cuda_check lines and SDPA lines, and renders the table', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cuda-bench-'));
    const raw = path.join(dir, 'raw.jsonl');
    const sdpa = path.join(dir, 'sdpa.jsonl');
    fs.writeFileSync(raw, `noise\n${JSON.stringify({ row: { batch: 32, shared: 1024, unshared: 0 }, result: made })}\n`);
    fs.writeFileSync(sdpa, `${JSON.stringify({ batch: 32, shared: 1024, unshared: 0, method: 'sdpa_flash', us_per_step: 500 })}\n`);
    const measured = bench.readRaw(raw);
    expect(measured).toHaveLength(1);
    const s = bench.readSdpa(sdpa).get('32/1024/0');
    expect(s.us_per_step).toBe(500);
    const { tpp, base, maxAbsDiff } = bench.rowLines(measured[0].row, measured[0].result, {});
    const md: string = bench.markdown({ date: 'd', command: 'c', device: 'cuda: Test GPU', copyGBps: 2000 }, [
      { row: measured[0].row, tpp, base, maxAbsDiff, sdpa: s },
    ]);
    expect(md).toContain('| 32 | 1024 | 0 | 50 | 55 | 400 | 8.00x | 500 | 10.00x | 30 | 60.0% | 0.001 |');
  });
});
