// Output of the peer benchmark: one JSON object per line (stdout, and --out when given) and a
// markdown table (medians over the rounds, per engine and variant) with the ratios issue 13 sets
// targets for.
'use strict';
const fs = require('fs');
const { round } = require('./workload');

const MEASURES = ['ttft_p50_ms', 'ttft_max_ms', 'decode_tok_s', 'ms_per_step', 'kv_mib', 'kv_allocated_mib', 'prefill_tok_s'];

function median(values) {
  const v = values.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : round((v[mid - 1] + v[mid]) / 2);
}

class Report {
  constructor(outFile) {
    this.outFile = outFile;
    this.runs = [];
  }

  line(obj) {
    const text = JSON.stringify(obj);
    console.log(text);
    if (this.outFile) fs.appendFileSync(this.outFile, text + '\n');
  }

  /** A workload run: printed without its token lists, which are kept to compare the runs' outputs. */
  run(result, extra) {
    const { tokens, ...shown } = result;
    this.runs.push(result);
    this.line({ type: 'run', ...shown, same_tokens_as_first_run: this.agreement(result), ...extra });
  }

  /** Sequences whose greedy tokens equal the first run's (fp16 KV on both sides: near-ties may differ). */
  agreement(run) {
    const first = this.runs[0].tokens;
    return run.tokens.filter((t, i) => t.join() === first[i].join()).length;
  }

  /** Medians per engine and variant, in the order they first ran. */
  summary() {
    const groups = new Map();
    for (const r of this.runs) {
      const key = `${r.engine} / ${r.variant}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(r);
    }
    return [...groups.values()].map((runs) => ({
      engine: runs[0].engine,
      variant: runs[0].variant,
      runs: runs.length,
      ...Object.fromEntries(MEASURES.map((m) => [m, median(runs.map((r) => r[m]))])),
      agreement: `${Math.min(...runs.map((r) => this.agreement(r)))}/${runs[0].tokens.length}`,
    }));
  }

  table() {
    const rows = this.summary();
    return [
      '| engine | variant | runs | TTFT p50 ms | TTFT max ms | decode tok/s | ms/step | KV MiB (allocated) | prefill tok/s | same tokens as run 1 (fewest) |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.engine} | ${r.variant} | ${r.runs} | ${r.ttft_p50_ms} | ${r.ttft_max_ms} | ${r.decode_tok_s} | ${r.ms_per_step} | ${r.kv_mib} (${r.kv_allocated_mib}) | ${r.prefill_tok_s} | ${r.agreement} |`,
      ),
      '',
      ...ratios(rows),
    ].join('\n');
  }
}

/** ChunkServe's best against llama.cpp's best (medians), per issue 13's targets. */
function ratios(rows) {
  const best = (engine, key, pick) => pick(...rows.filter((r) => r.engine === engine).map((r) => r[key]));
  const ours = (key, pick) => best('chunkserve', key, pick);
  const peer = (key, pick) => best('llama.cpp', key, pick);
  const prewarmed = rows.find((r) => r.engine === 'chunkserve' && r.variant === 'prefix pre-warmed');
  const x = (a, b) => (a && b ? `${round(a / b, 2)}x` : 'n/a');
  return [
    `- decode tok/s, ChunkServe / llama.cpp (best variants): ${x(ours('decode_tok_s', Math.max), peer('decode_tok_s', Math.max))} (target >= 10x)`,
    `- TTFT max, llama.cpp's best / ChunkServe pre-warmed: ${x(peer('ttft_max_ms', Math.min), prewarmed?.ttft_max_ms)} (target >= 20x)`,
    `- single-sequence prefill tok/s, ChunkServe / llama.cpp: ${x(ours('prefill_tok_s', Math.max), peer('prefill_tok_s', Math.max))} (target >= 2x)`,
    `- KV MiB, llama.cpp / ChunkServe: ${x(peer('kv_mib', Math.min), ours('kv_mib', Math.min))}`,
  ];
}

module.exports = { Report, median };
