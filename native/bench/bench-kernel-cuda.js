#!/usr/bin/env node
// Kernel benchmark on the GPU: CUDA TPP vs our sequence-first kernel without sharing
// (PagedAttention-style), one decode step of one layer, the JSON lines of the CPU benchmark
// (bench-kernel.js) with device "cuda: <gpu>". Run on a GPU machine:
//   node native/bench/bench-kernel-cuda.js [--quick] [--dtype bf16] [--sdpa sdpa.jsonl] [--out DIR]
//   node native/bench/bench-kernel-cuda.js --print-rows [--quick]   (the rows, for sdpa_flash.py)
//   node native/bench/bench-kernel-cuda.js --from-raw raw.jsonl [--sdpa sdpa.jsonl]
//     formats the raw lines of `cuda_check bench` (gpu-check.sh, a GPU machine without Node)
//     into the same JSON lines and table, on any machine.
// `npm run bench:kernel -- --device cuda` runs main() through bench-kernel.js.
//
// Setting: the paper's Table 3 (32 heads, head_dim 128, c = 64, fp16, batch 32, shared prompt
// 1024/2048/4096 tokens, unshared 0 or 128 tokens per sequence), a no-sharing row, and batch 16
// to 96 at shared 2048. Method (cuda/tpp_bench.h): TPP on a pool that stores the prompt once;
// the baseline on a pool where every sequence has its own copy; device events around 20
// back-to-back steps, median of 15 rounds; every step reads another layer so that the K/V of a
// step is not still in L2 (a rotation reads >= 4 x L2). The memory floor is the bytes TPP must
// move (shared K/V once, own K/V, q, out) over the device-to-device copy bandwidth (read +
// write) measured in the same run. --sdpa merges PyTorch flash SDPA lines (sdpa_flash.py).
'use strict';
const fs = require('fs');
const path = require('path');
const native = require('../index.js');

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const flag = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
};
const dtype = flag('--dtype', 'fp16');
if (dtype !== 'fp16' && dtype !== 'bf16') throw new Error(`--dtype must be fp16 or bf16 on CUDA (got ${dtype})`);
const outDir = path.resolve(flag('--out', path.join(__dirname, '..', '..', 'bench', 'results')));
const sdpaFile = flag('--sdpa', null);
const rawFile = flag('--from-raw', null);

const HEADS = 32;
const KV_HEADS = 32;
const HEAD_DIM = 128;
const CHUNK = 64;

// The benchmark rows, shared with gpu-check.sh (cuda_check, sdpa_flash.py): kernel-cuda-rows.json.
function benchRows(isQuick) {
  const rows = JSON.parse(fs.readFileSync(path.join(__dirname, 'kernel-cuda-rows.json'), 'utf8'));
  return isQuick ? rows.quick : rows.full;
}

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

// JSON lines (same fields as bench-kernel.js) for one row's measurement.
function rowLines(row, r, common) {
  const tokenBytes = KV_HEADS * HEAD_DIM * 2 * 2; // K + V of one token, fp16|bf16
  const ideal = (row.shared + row.batch * row.unshared) * tokenBytes;
  const copyGBps = r.copyBytesPerS / 1e9;
  const line = (method, us, bytes, layers, spread) => ({
    ...common,
    batch: row.batch,
    shared: row.shared,
    unshared: row.unshared,
    method,
    us_per_step: round(us),
    us_spread: round(spread),
    bytes_moved: bytes,
    kv_bytes_ideal: ideal,
    effective_GBps: round(bytes / (us * 1e-6) / 1e9, 2),
    copy_GBps: round(copyGBps, 2),
    fraction_of_copy: round(bytes / (us * 1e-6) / r.copyBytesPerS, 3),
    floor_us: round((r.tppBytes / r.copyBytesPerS) * 1e6),
    layers_rotated: layers,
  });
  const tpp = {
    ...line('tpp', r.tppUs, r.tppBytes, r.tppLayers, r.tppSpreadUs),
    chunk_first_pieces: r.chunkFirstPieces,
    chunks_per_piece: r.chunksPerPiece,
    pdl: r.pdl,
    us_without_pdl: round(r.tppSerialUs),
  };
  const base = line('baseline', r.baselineUs, r.baselineBytes, r.baselineLayers, r.baselineSpreadUs);
  return { tpp, base, maxAbsDiff: r.maxAbsDiff };
}

function readSdpa(file) {
  if (!file) return new Map();
  const m = new Map();
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!l.trim().startsWith('{')) continue;
    const rec = JSON.parse(l);
    m.set(`${rec.batch}/${rec.shared}/${rec.unshared}`, rec);
  }
  return m;
}

function markdown(meta, summary) {
  const f = (x) => (x == null ? 'n/a' : String(x));
  return [
    `# Kernel benchmark (CUDA), ${meta.date}`,
    '',
    `Command: \`${meta.command}\`. Device: ${meta.device}. Storage ${dtype}, fp32 accumulation. ${HEADS} heads / ${KV_HEADS} KV heads, head_dim ${HEAD_DIM}, chunk ${CHUNK}.`,
    `Device-to-device copy: ${meta.copyGBps} GB/s (read + write), measured in this run.`,
    '',
    '| batch | shared | unshared | TPP us | TPP us without PDL | baseline us | speedup | SDPA flash us | TPP vs SDPA | floor us | TPP % of copy BW | check max abs diff |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...summary.map(
      (s) =>
        `| ${s.row.batch} | ${s.row.shared} | ${s.row.unshared} | ${s.tpp.us_per_step} | ${s.tpp.pdl ? s.tpp.us_without_pdl : 'same (no PDL)'} | ${s.base.us_per_step} | ${(s.base.us_per_step / s.tpp.us_per_step).toFixed(2)}x | ${f(s.sdpa && s.sdpa.us_per_step)} | ${s.sdpa ? (s.sdpa.us_per_step / s.tpp.us_per_step).toFixed(2) + 'x' : 'n/a'} | ${s.tpp.floor_us} | ${(100 * s.tpp.fraction_of_copy).toFixed(1)}% | ${f(s.maxAbsDiff)} |`,
    ),
    '',
  ].join('\n');
}

// [{ row, result }] measured here through the addon.
function measure(rows) {
  native.backendInfo('cuda'); // throws with the reason where no GPU is usable
  return rows.map((row) => ({
    row,
    result: native.cudaKernelBench({
      batch: row.batch, shared: row.shared, own: row.unshared, nHeads: HEADS, nKvHeads: KV_HEADS, headDim: HEAD_DIM,
      chunkSize: CHUNK, dtype, reps: quick ? 5 : 15, iters: quick ? 10 : 20,
    }),
  }));
}

// [{ row, result }] from the raw lines of `cuda_check bench`.
function readRaw(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l));
}

function main() {
  const measured = rawFile ? readRaw(rawFile) : measure(benchRows(quick));
  if (measured.length === 0) throw new Error('no benchmark rows');
  const sdpa = readSdpa(sdpaFile);
  const common = { device: `cuda: ${measured[0].result.gpu}`, heads: HEADS, kv_heads: KV_HEADS, head_dim: HEAD_DIM, chunk: CHUNK, dtype };
  const lines = [];
  const summary = [];
  for (const { row, result } of measured) {
    const { tpp, base, maxAbsDiff } = rowLines(row, result, common);
    for (const l of [tpp, base]) {
      lines.push(l);
      console.log(JSON.stringify(l));
    }
    summary.push({ row, tpp, base, maxAbsDiff, sdpa: sdpa.get(`${row.batch}/${row.shared}/${row.unshared}`) });
  }
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const base = path.join(outDir, `kernel-cuda-${stamp}${quick ? '-quick' : ''}`);
  const meta = {
    command: rawFile
      ? 'bash native/bench/gpu-check.sh (cuda_check bench), formatted by node native/bench/bench-kernel-cuda.js --from-raw'
      : `node native/bench/bench-kernel-cuda.js${quick ? ' --quick' : ''}${dtype !== 'fp16' ? ` --dtype ${dtype}` : ''}`,
    date: new Date().toISOString(),
    device: common.device,
    node: process.version,
    copyGBps: lines[0].copy_GBps,
    method: 'device events around back-to-back steps, median of rounds; layers rotated past L2; baseline over private copies',
  };
  fs.writeFileSync(`${base}.json`, JSON.stringify({ meta, results: lines, sdpa: [...sdpa.values()] }, null, 2));
  fs.writeFileSync(`${base}.md`, markdown(meta, summary));
  console.error(`wrote ${base}.json and ${base}.md`);
}

if (require.main === module) {
  if (argv.includes('--print-rows')) console.log(JSON.stringify(benchRows(quick)));
  else main();
}
// main: for bench-kernel.js to hand `--device cuda` over (it reads the same process.argv).
module.exports = { main, benchRows, rowLines, readSdpa, readRaw, markdown };
