#!/usr/bin/env node
// Medians over several kernel benchmark runs: node native/bench/summarize-kernel.js <run.json>...
// Prints the markdown table used in docs/benchmarks.md (speedup = median of per-run ratios).
'use strict';
const fs = require('fs');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: summarize-kernel.js bench/results/kernel-<date>.json ...');
  process.exit(2);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = new Map(); // "shared/unshared" -> { tpp: [...], baseline: [...] } in run order
for (const file of files)
  for (const r of JSON.parse(fs.readFileSync(file, 'utf8')).results) {
    const key = `${r.shared}/${r.unshared}`;
    if (!rows.has(key)) rows.set(key, { tpp: [], baseline: [] });
    rows.get(key)[r.method].push(r);
  }
const mib = (b) => (b / 2 ** 20).toFixed(0);
const f2 = (x) => x.toFixed(2);
console.log(
  '| shared | unshared | TPP us/step | baseline us/step | speedup | speedup per run | TPP KV read MiB | baseline KV read MiB | baseline eff. GB/s | copy GB/s | baseline eff. / copy (per run) | stored MiB with sharing | stored MiB without | ideal MiB |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const { tpp, baseline } of rows.values()) {
  const ratios = tpp.map((t, i) => baseline[i].us_per_step / t.us_per_step);
  const vsCopy = baseline.map((b) => b.bandwidth_vs_copy);
  const [t, b] = [tpp[0], baseline[0]];
  console.log(
    `| ${t.shared} | ${t.unshared} | ${median(tpp.map((x) => x.us_per_step)).toFixed(0)} | ${median(baseline.map((x) => x.us_per_step)).toFixed(0)} | ` +
      `${f2(median(ratios))}x | ${ratios.map(f2).join(', ')} | ${mib(t.kv_bytes_read)} | ${mib(b.kv_bytes_read)} | ` +
      `${median(baseline.map((x) => x.effective_GBps)).toFixed(1)} | ${median(baseline.map((x) => x.copy_GBps)).toFixed(1)} | ` +
      `${f2(median(vsCopy))} (${vsCopy.map(f2).join(', ')}) | ${mib(t.kv_bytes_stored)} | ${mib(b.kv_bytes_stored)} | ${mib(t.kv_bytes_ideal)} |`,
  );
}
