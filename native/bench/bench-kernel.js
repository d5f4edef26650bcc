#!/usr/bin/env node
// Kernel benchmark: TPP vs the sequence-first baseline (PagedAttention-style) for one decode step
// of one layer, on the CPU. `npm run bench:kernel [-- --quick] [-- --dtype fp32]`.
//
// Method, so that timings measure memory and not the last-level cache:
//  - TPP runs on a cache where all sequences share the prompt (one namespace). The shared KV of
//    one layer is small (2048 tokens fp16 = 32 MiB), so the cache holds several layers and every
//    step moves to the next one: the rotation covers >= ROTATE_BYTES (2x the 260 MiB L3).
//  - The baseline runs on a cache where every sequence has its own namespace, i.e. its own copy
//    of the prompt, as a paged cache without sharing stores it (>= 0.5 GiB per layer here).
//  - The no-sharing row runs both methods on that unshared cache.
// Each configuration is timed REPEATS times (STEPS steps each), the two methods interleaved; we
// report the median and keep every repeat in us_runs.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const native = require('../index.js');
const { machineFacts } = require('./machine-facts');

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const flag = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
};
const dtype = flag('--dtype', 'fp16');
const outDir = path.resolve(flag('--out', path.join(__dirname, '..', '..', 'bench', 'results')));

const HEADS = 32;
const KV_HEADS = 32;
const HEAD_DIM = 128;
const CHUNK = 64;
const BATCH = quick ? 16 : 32;
const REPEATS = quick ? 3 : 9;
const STEPS = quick ? 4 : 8;
const ROTATE_BYTES = 520 << 20;
const COPY_PROBE_BYTES = 512 << 20; // past L3
const ROWS = quick
  ? [
      { shared: 1024, unshared: 0 },
      { shared: 1024, unshared: 128 },
      { shared: 0, unshared: 512 },
    ]
  : [
      { shared: 1024, unshared: 0 },
      { shared: 1024, unshared: 128 },
      { shared: 2048, unshared: 0 },
      { shared: 2048, unshared: 128 },
      { shared: 4096, unshared: 0 },
      { shared: 4096, unshared: 128 },
      { shared: 0, unshared: 1024 },
    ];

const elemBytes = dtype === 'fp32' ? 4 : 2;
const tokenBytes = KV_HEADS * HEAD_DIM * 2 * elemBytes; // K + V of one token, one layer
const chunkBytesPerLayer = tokenBytes * CHUNK;
const info = native.backendInfo();
const device = `cpu: ${os.cpus()[0].model.trim()} (${info.threads} threads, ${info.simd})`;

// One reusable block of random K/V rows (values do not change the timing).
const BLOCK = 256;
const kvBlock = Float32Array.from({ length: BLOCK * KV_HEADS * HEAD_DIM }, () => Math.random() * 2 - 1);

function tokens(from, n) {
  return Int32Array.from({ length: n }, (_, i) => from + i);
}

// Builds a cache holding `batch` sequences of shared + unshared tokens; sharing=false puts every
// sequence in its own namespace.
function buildCache(row, sharing, nLayers) {
  const perSeqChunks = Math.ceil((row.shared + row.unshared) / CHUNK) + 1;
  const chunks = (sharing ? Math.ceil(row.shared / CHUNK) : 0) + BATCH * perSeqChunks + 4;
  const cache = new native.KvCache({
    nLayers,
    nKvHeads: KV_HEADS,
    headDim: HEAD_DIM,
    chunkSize: CHUNK,
    dtype,
    poolBytes: chunks * chunkBytesPerLayer * nLayers,
  });
  const seqs = [];
  for (let b = 0; b < BATCH; b++) {
    const prompt = new Int32Array(row.shared + row.unshared);
    prompt.set(tokens(0, row.shared));
    prompt.set(tokens(1e6 + b * 1e5, row.unshared), row.shared);
    const r = cache.insert(sharing ? 'shared' : `seq-${b}`, prompt);
    for (let layer = 0; layer < nLayers; layer++)
      for (let pos = r.cachedTokens; pos < prompt.length; pos += BLOCK) {
        const n = Math.min(BLOCK, prompt.length - pos);
        const kv = kvBlock.subarray(0, n * KV_HEADS * HEAD_DIM);
        cache.writeKV(r.seq, layer, pos, kv, kv);
      }
    cache.markComputed(r.seq);
    seqs.push(r.seq);
  }
  return { cache, seqs, nLayers };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Times both methods with their repeats interleaved (tpp, baseline, tpp, ...) so that load from
// other processes hits both alike; per method the median over REPEATS of the mean microseconds
// per step. Step i uses layer i mod nLayers of that method's cache.
function timeBoth(builds) {
  const q = Float32Array.from({ length: BATCH * HEADS * HEAD_DIM }, () => Math.random() * 2 - 1);
  const out = new Float32Array(q.length);
  const state = {};
  for (const [method, built] of Object.entries(builds)) {
    for (let l = 0; l < Math.min(built.nLayers, 2); l++) built.cache.decodeAttention(built.seqs, l, q, { method, out }); // warm-up, plan build
    state[method] = { runs: [], phase1: [], step: 0 };
  }
  const copy = []; // memcpy bandwidth measured between the repeats, under the same load
  for (let r = 0; r < REPEATS; r++) {
    const order = Object.entries(builds);
    if (r % 2 === 1) order.reverse(); // neither method always runs right after the other
    for (const [method, built] of order) {
      const st = state[method];
      const before = built.cache.decodeStats(method).phase1Ns;
      const t0 = process.hrtime.bigint();
      for (let s = 0; s < STEPS; s++) built.cache.decodeAttention(built.seqs, st.step++ % built.nLayers, q, { method, out });
      st.runs.push(Number(process.hrtime.bigint() - t0) / 1e3 / STEPS);
      st.phase1.push((built.cache.decodeStats(method).phase1Ns - before) / 1e3 / STEPS);
    }
    copy.push(native.machineLimits(COPY_PROBE_BYTES, 1).copyGBps);
  }
  const res = { copyGBps: median(copy) };
  for (const [method, built] of Object.entries(builds))
    res[method] = {
      us: median(state[method].runs),
      runs: state[method].runs,
      phase1Us: median(state[method].phase1),
      stats: built.cache.decodeStats(method),
    };
  return res;
}

function attnFlops(row) {
  return 4 * BATCH * HEADS * HEAD_DIM * (row.shared + row.unshared);
}

// FLOPs of phase 1 alone (TPP): QK^T and PV of every sequence over the shared tokens.
function phase1Flops(row) {
  return 4 * BATCH * HEADS * HEAD_DIM * row.shared;
}

function storedPerLayer(cache, nLayers) {
  return cache.snapshot().counters.bytesInUse / nLayers;
}

function layersFor(bytesPerLayer) {
  return Math.max(1, Math.min(64, Math.ceil(ROTATE_BYTES / bytesPerLayer)));
}

function main() {
  const facts = machineFacts(native, 1 << 30, quick ? 3 : 5);
  console.log(JSON.stringify({ machine: facts }));
  const bw = { copyGBps: facts.limits.copy_GBps, readGBps: facts.limits.read_GBps, fmaGflops: facts.limits.fma_gflops };
  // FLOPs of one layer's decode attention: QK^T and PV, 2 flops per multiply-add.
  const lines = [];
  const summary = [];
  const common = { device, heads: HEADS, kv_heads: KV_HEADS, head_dim: HEAD_DIM, chunk: CHUNK, batch: BATCH, dtype, threads: info.threads };
  // The FMA rate swings on a shared host, so it is probed again before every row, and "% FMA" is
  // taken against the best probe of the run (conservative).
  const probes = [bw.fmaGflops];
  for (const row of ROWS) {
    probes.push(Math.round(native.machineLimits(64 << 20, 3).fmaGflops * 10) / 10);
    const idealBytes = (row.shared + BATCH * row.unshared) * tokenBytes;
    const unsharedBytes = BATCH * (row.shared + row.unshared) * tokenBytes;
    const plain = buildCache(row, false, layersFor(unsharedBytes));
    const plainStored = storedPerLayer(plain.cache, plain.nLayers);
    let sharedBuilt = null;
    let sharedStored = plainStored;
    if (row.shared > 0) {
      sharedBuilt = buildCache(row, true, layersFor(idealBytes));
      sharedStored = storedPerLayer(sharedBuilt.cache, sharedBuilt.nLayers);
    }
    const results = {};
    const builds = { tpp: sharedBuilt || plain, baseline: plain };
    const timed = timeBoth(builds);
    for (const method of ['tpp', 'baseline']) {
      const built = builds[method];
      const t = timed[method];
      const rec = {
        ...common,
        shared: row.shared,
        unshared: row.unshared,
        method,
        us_per_step: Math.round(t.us * 10) / 10,
        kv_bytes_read: t.stats.kvBytesRead,
        kv_bytes_stored: method === 'tpp' ? sharedStored : plainStored,
        kv_bytes_ideal: idealBytes,
        effective_GBps: Math.round((t.stats.kvBytesRead / (t.us * 1e-6) / 1e9) * 100) / 100,
        copy_GBps: Math.round(timed.copyGBps * 100) / 100,
        bandwidth_vs_copy: Math.round((t.stats.kvBytesRead / (t.us * 1e-6) / 1e9 / timed.copyGBps) * 100) / 100,
        read_GBps: Math.round(bw.readGBps * 100) / 100,
        attention_gflops: Math.round((attnFlops(row) / (t.us * 1e-6) / 1e9) * 100) / 100,
        // phase 1 runs only for TPP over shared chunks (the baseline times an empty phase)
        phase1_us_per_step: method === 'tpp' && row.shared > 0 ? Math.round(t.phase1Us * 10) / 10 : null,
        phase1_gflops: method === 'tpp' && row.shared > 0 ? Math.round((phase1Flops(row) / (t.phase1Us * 1e-6) / 1e9) * 100) / 100 : null,
        layers_rotated: built.nLayers,
        us_runs: t.runs.map((x) => Math.round(x)),
      };
      results[method] = rec;
      lines.push(rec);
      console.log(JSON.stringify(rec));
    }
    plain.cache.dispose();
    if (sharedBuilt) sharedBuilt.cache.dispose();
    summary.push({
      row,
      copyGBps: timed.copyGBps,
      tpp: results.tpp,
      baseline: results.baseline,
      speedup: results.baseline.us_per_step / results.tpp.us_per_step,
      storedWithin: sharedStored - idealBytes <= BATCH * chunkBytesPerLayer,
    });
  }
  bw.fmaGflops = Math.max(...probes);
  for (const rec of lines) {
    rec.fma_peak_fraction = Math.round((rec.attention_gflops / bw.fmaGflops) * 1000) / 1000;
    rec.phase1_fma_peak_fraction = rec.phase1_gflops === null ? null : Math.round((rec.phase1_gflops / bw.fmaGflops) * 1000) / 1000;
  }
  console.log(JSON.stringify({ fma_probes_gflops: probes, fma_gflops_best: bw.fmaGflops, fma_peak_fraction: lines.map((r) => [r.shared, r.unshared, r.method, r.fma_peak_fraction]) }));
  writeResults(lines, summary, bw, facts);
}

function writeResults(lines, summary, bw, facts) {
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const base = path.join(outDir, `kernel-${stamp}${quick ? '-quick' : ''}`);
  const meta = {
    command: `npm run bench:kernel${quick ? ' -- --quick' : ''}${dtype !== 'fp16' ? ` -- --dtype ${dtype}` : ''}`,
    date: new Date().toISOString(),
    device,
    node: process.version,
    machine: facts,
    method: 'median of interleaved repeats; TPP on a shared-prefix cache rotating layers past L3, baseline on an unshared cache',
  };
  fs.writeFileSync(`${base}.json`, JSON.stringify({ meta, results: lines }, null, 2));
  const mb = (b) => (b / 2 ** 20).toFixed(1);
  const md = [
    `# Kernel benchmark (CPU), ${meta.date}`,
    '',
    `Command: \`${meta.command}\`. Device: ${device}. Storage ${dtype}, compute fp32. ${HEADS} heads / ${KV_HEADS} KV heads, head_dim ${HEAD_DIM}, chunk ${CHUNK}, batch ${BATCH}.`,
    `CPU: ${facts.cpu.model}, ${facts.cpu.cpus} CPUs, ${(facts.cpu.simd_flags || []).join(' ')}, L3 ${facts.cpu.l3}. Measured (all threads): FMA peak ${bw.fmaGflops.toFixed(1)} GFLOPS (the best of the probes before each row), copy ${bw.copyGBps.toFixed(1)} GB/s (read+write), read ${bw.readGBps.toFixed(1)} GB/s. "copy GB/s" per row: memcpy bandwidth (read+write) measured between that row's repeats (median); "eff." = KV bytes read / time; "% FMA" = attention FLOPs / time / FMA peak; "phase 1" = TPP's chunk-first phase alone (its wall time inside the step, from decodeStats), its FLOPs (QK^T and PV over the shared tokens) / that time / FMA peak.`,
    '',
    '| shared | unshared | TPP us/step | baseline us/step | speedup | TPP % FMA | phase 1 us/step | phase 1 % FMA | TPP KV read MiB | baseline KV read MiB | TPP eff. GB/s | baseline eff. GB/s | copy GB/s | baseline eff./copy | stored MiB with sharing | stored MiB without | ideal MiB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...summary.map(
      (s) =>
        `| ${s.row.shared} | ${s.row.unshared} | ${s.tpp.us_per_step} | ${s.baseline.us_per_step} | ${s.speedup.toFixed(2)}x | ${(100 * s.tpp.fma_peak_fraction).toFixed(1)}% | ${s.row.shared > 0 ? s.tpp.phase1_us_per_step : '-'} | ${s.row.shared > 0 ? `${(100 * s.tpp.phase1_fma_peak_fraction).toFixed(1)}%` : '-'} | ${mb(s.tpp.kv_bytes_read)} | ${mb(s.baseline.kv_bytes_read)} | ${s.tpp.effective_GBps} | ${s.baseline.effective_GBps} | ${s.copyGBps.toFixed(1)} | ${s.baseline.bandwidth_vs_copy} | ${mb(s.tpp.kv_bytes_stored)} | ${mb(s.baseline.kv_bytes_stored)} | ${mb(s.tpp.kv_bytes_ideal)} |`,
    ),
    '',
  ];
  fs.writeFileSync(`${base}.md`, md.join('\n'));
  console.error(`wrote ${base}.json and ${base}.md`);
}

// --device cuda: the GPU benchmark (bench-kernel-cuda.js, the same JSON lines).
if (flag('--device', 'cpu') === 'cuda') require('./bench-kernel-cuda.js').main();
else main();
