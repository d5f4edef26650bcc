// Output of the peer benchmark: one JSON object per line (stdout, and --out when given) and a
// markdown table with the ratios issue 13 sets targets for.
'use strict';
const fs = require('fs');
const { round } = require('./workload');

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
    this.line({ type: 'run', ...shown, ...extra });
  }

  /** Sequences of a run whose greedy tokens equal the first run's (fp16 KV on both sides: near-ties may differ). */
  agreement(run) {
    const first = this.runs[0].tokens;
    const same = run.tokens.filter((t, i) => t.join() === first[i].join()).length;
    return `${same}/${run.tokens.length}`;
  }

  table() {
    const rows = [
      '| engine | variant | TTFT p50 ms | TTFT max ms | decode tok/s | ms/step | KV MiB (allocated) | prefill tok/s | same tokens as run 1 |',
      '|---|---|---|---|---|---|---|---|---|',
      ...this.runs.map(
        (r) =>
          `| ${r.engine} | ${r.variant} | ${r.ttft_p50_ms} | ${r.ttft_max_ms} | ${r.decode_tok_s} | ${r.ms_per_step} | ${r.kv_mib} (${r.kv_allocated_mib}) | ${r.prefill_tok_s} | ${this.agreement(r)} |`,
      ),
    ];
    return [...rows, '', ...this.ratios()].join('\n');
  }

  /** ChunkServe's best against llama.cpp's best, per issue 13's targets. */
  ratios() {
    const best = (engine, key, pick) => pick(...this.runs.filter((r) => r.engine === engine).map((r) => r[key]));
    const ours = (key, pick) => best('chunkserve', key, pick);
    const peer = (key, pick) => best('llama.cpp', key, pick);
    const prewarmed = this.runs.find((r) => r.engine === 'chunkserve' && r.variant === 'prefix pre-warmed');
    const x = (a, b) => (a && b ? `${round(a / b, 2)}x` : 'n/a');
    return [
      `- decode tok/s, ChunkServe / llama.cpp (best runs): ${x(ours('decode_tok_s', Math.max), peer('decode_tok_s', Math.max))} (target >= 10x)`,
      `- TTFT max, llama.cpp's best / ChunkServe pre-warmed: ${x(peer('ttft_max_ms', Math.min), prewarmed?.ttft_max_ms)} (target >= 20x)`,
      `- single-sequence prefill tok/s, ChunkServe / llama.cpp: ${x(ours('prefill_tok_s', Math.max), peer('prefill_tok_s', Math.max))} (target >= 2x)`,
      `- KV MiB in use, llama.cpp / ChunkServe: ${x(peer('kv_mib', Math.min), ours('kv_mib', Math.min))}`,
    ];
  }
}

module.exports = { Report };
