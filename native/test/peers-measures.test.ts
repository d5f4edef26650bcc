// The peer benchmark's measures (native/bench/peers): TTFT and batch decode speed from token
// arrival times, the logits comparison that gates the run, and the medians of its table.
const { TokenClock } = require('../bench/peers/workload');
const { compareLogits, MAX_RELATIVE_ERROR } = require('../bench/peers/logits-check');
const { Report } = require('../bench/peers/report');

describe('TokenClock', () => {
  it('measures TTFT of every sequence and decode speed once all sequences decode', () => {
    const clock = new TokenClock(3);
    const arrivals = [
      [100, 250, 350],
      [150, 250, 350],
      [90, 120, 240, 340], // decoded a token before the last sequence started: not in the window
    ];
    arrivals.forEach((times, seq) => times.forEach((t) => clock.token(seq, 7, t)));
    const m = clock.measures();
    expect(m.ttft_p50_ms).toBe(100);
    expect(m.ttft_max_ms).toBe(150);
    // Window: from 150 (the last first token) to 350; tokens after 150: 2 + 2 + 2; 2 steps.
    expect(m.decode_tokens_measured).toBe(6);
    expect(m.decode_tok_s).toBe(30);
    expect(m.ms_per_step).toBe(100);
  });

  it('fails when a sequence produced no token', () => {
    const clock = new TokenClock(2);
    clock.token(0, 1, 10);
    expect(() => clock.measures()).toThrow(/no token/);
  });
});

describe('compareLogits', () => {
  const dist = (seed: number) => Float64Array.from({ length: 50 }, (_, i) => -Math.abs(Math.sin(seed * 31 + i)) * 20);
  const run = (shift: number[]) => [{ tokens: [1, 2], logprobs: [dist(1).map((v, i) => v + (i === 3 ? shift[0] : 0)), dist(2).map((v) => v + shift[1])] }];

  it('passes equal distributions and reports the error', () => {
    const r = compareLogits(run([0, 0]), run([0, 0]));
    expect(r).toMatchObject({ ok: true, distributions: 2, same_greedy_tokens: 2, max_relative_error: 0, faults: [] });
  });

  it('passes differences within the bound and fails beyond it, naming the error', () => {
    const small = compareLogits(run([1e-5, 0]), run([0, 0]));
    expect(small.ok).toBe(true);
    expect(small.max_relative_error).toBeGreaterThan(0);
    const big = compareLogits(run([0, 0]), run([0.01, 0]));
    expect(big.ok).toBe(false);
    expect(big.max_relative_error).toBeGreaterThan(MAX_RELATIVE_ERROR);
    expect(big.faults.join()).toMatch(/max relative log-probability error/);
  });

  it('fails when the peer gave no distribution for a step', () => {
    const peer = run([0, 0]);
    peer[0].logprobs.pop();
    const r = compareLogits(run([0, 0]), peer);
    expect(r.ok).toBe(false);
    expect(r.faults[0]).toMatch(/prompt 0 step 1/);
  });
});

describe('Report', () => {
  const result = (engine: string, variant: string, decode: number, tokens: number[][]) => ({
    engine, variant, ttft_p50_ms: decode, ttft_max_ms: decode * 2, decode_tok_s: decode, ms_per_step: 1000 / decode, kv_mib: 8, kv_allocated_mib: 16, prefill_tok_s: decode / 2, tokens,
  });

  it('tabulates medians per engine and variant and the agreement with the first run', () => {
    const report = new Report(undefined);
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    for (const d of [10, 30, 20]) report.run(result('llama.cpp', 'cold', d, [[1, 2], [3, 4]]), {});
    for (const d of [100, 300]) report.run(result('chunkserve', 'prefix pre-warmed', d, [[1, 2], [3, 5]]), {});
    const rows = report.summary();
    expect(rows.map((r: { engine: string; runs: number; decode_tok_s: number }) => [r.engine, r.runs, r.decode_tok_s])).toEqual([
      ['llama.cpp', 3, 20],
      ['chunkserve', 2, 200],
    ]);
    expect(rows[1].agreement).toBe('1/2');
    expect(report.table()).toContain('decode tok/s, ChunkServe / llama.cpp (best variants): 10x');
  });
});
