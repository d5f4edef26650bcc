// Test fixture for the CUDA TPP tests: random prefix trees of chunks and a float64 reference.
// (The work list over a tree is the engine's own: tppCase builds it from the paths.)

/** Deterministic PRNG (mulberry32) so a failing case can be replayed from its seed. */
export { mulberry32 as rng } from './helpers/kv-world';

export function randomFloats(n: number, rand: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * scale;
  return out;
}

export interface Shape {
  nLayers: number;
  nKvHeads: number;
  nHeads: number;
  headDim: number;
  chunkSize: number;
}

export function chunkElems(s: Shape): number {
  return s.nLayers * 2 * s.nKvHeads * s.chunkSize * s.headDim;
}

/** A batch over a prefix tree: paths[b] = chunk ids root to tail of batch row b, lens[b] tokens. */
export interface Batch {
  nChunks: number;
  paths: number[][];
  lens: number[];
}

/**
 * Random batch: a random tree of full chunks (each node's parent an earlier node or the root);
 * each sequence takes the path to a random node as its shared prefix, then `ownFull` full own
 * chunks and an own tail holding tailMin..tailMax tokens (0 = an empty pre-reserved tail).
 */
export function randomBatch(
  rand: () => number,
  nSeqs: number,
  chunkSize: number,
  opts: { treeNodes: number; maxOwnFull: number; tailMin: number; tailMax: number },
): Batch {
  const parent: number[] = [];
  for (let i = 0; i < opts.treeNodes; i++) parent.push(rand() < 0.25 || i === 0 ? -1 : Math.floor(rand() * i));
  let next = opts.treeNodes;
  const paths: number[][] = [];
  const lens: number[] = [];
  for (let b = 0; b < nSeqs; b++) {
    const prefix: number[] = [];
    if (opts.treeNodes > 0 && rand() < 0.9) {
      for (let x = Math.floor(rand() * opts.treeNodes); x >= 0; x = parent[x]) prefix.unshift(x);
    }
    const ownFull = Math.floor(rand() * (opts.maxOwnFull + 1));
    const path = [...prefix];
    for (let k = 0; k < ownFull + 1; k++) path.push(next++);
    const tail = opts.tailMin + Math.floor(rand() * (opts.tailMax - opts.tailMin + 1));
    paths.push(path);
    lens.push((path.length - 1) * chunkSize + tail);
  }
  return { nChunks: next, paths, lens };
}

/** Every sequence shares `shared` tokens (a multiple of c), then owns `own` more. */
export function sharedPrefixBatch(nSeqs: number, chunkSize: number, shared: number, own: number): Batch {
  const nShared = shared / chunkSize;
  const ownChunks = Math.floor(own / chunkSize) + 1;  // the last one is the (partial or empty) tail
  const paths: number[][] = [];
  const lens: number[] = [];
  for (let b = 0; b < nSeqs; b++) {
    const path = Array.from({ length: nShared }, (_, k) => k);
    for (let k = 0; k < ownChunks; k++) path.push(nShared + b * ownChunks + k);
    paths.push(path);
    lens.push(shared + own);
  }
  return { nChunks: nShared + nSeqs * ownChunks, paths, lens };
}


/** Element offset of (chunk, layer, kv, head, slot) in the pool. */
export function rowOffset(s: Shape, chunk: number, layer: number, kv: number, head: number, slot: number): number {
  return chunk * chunkElems(s) + (((layer * 2 + kv) * s.nKvHeads + head) * s.chunkSize + slot) * s.headDim;
}

/**
 * float64 attention of query rows over positions: keys(r) = positions query row r sees, in the
 * sequence `paths[seqOf(r)]`. q, out: [rows][nHeads][headDim].
 */
export function referenceAttention(
  s: Shape,
  pool: Float32Array,
  layer: number,
  q: Float32Array,
  rows: number,
  pathOf: (r: number) => number[],
  visible: (r: number) => number,
): Float64Array {
  const D = s.headDim;
  const G = s.nHeads / s.nKvHeads;
  const out = new Float64Array(rows * s.nHeads * D);
  const scale = 1 / Math.sqrt(D);
  for (let r = 0; r < rows; r++) {
    const path = pathOf(r);
    const n = visible(r);
    for (let h = 0; h < s.nHeads; h++) {
      const kvh = Math.floor(h / G);
      const qo = (r * s.nHeads + h) * D;
      const scores = new Float64Array(n);
      let mx = -Infinity;
      for (let p = 0; p < n; p++) {
        const ko = rowOffset(s, path[Math.floor(p / s.chunkSize)], layer, 0, kvh, p % s.chunkSize);
        let acc = 0;
        for (let d = 0; d < D; d++) acc += q[qo + d] * pool[ko + d];
        scores[p] = acc * scale;
        mx = Math.max(mx, scores[p]);
      }
      let sum = 0;
      for (let p = 0; p < n; p++) sum += (scores[p] = Math.exp(scores[p] - mx));
      for (let p = 0; p < n; p++) {
        const vo = rowOffset(s, path[Math.floor(p / s.chunkSize)], layer, 1, kvh, p % s.chunkSize);
        const w = scores[p] / sum;
        for (let d = 0; d < D; d++) out[qo + d] += w * pool[vo + d];
      }
    }
  }
  return out;
}

/** ||a - b|| / ||b||, and whether every element of a is finite. */
export function relativeError(a: Float32Array, b: Float64Array): { rel: number; finite: boolean } {
  let num = 0;
  let den = 0;
  let finite = true;
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(a[i])) finite = false;
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return { rel: Math.sqrt(num / Math.max(den, 1e-300)), finite };
}
