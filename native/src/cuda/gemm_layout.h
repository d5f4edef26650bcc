// The index arithmetic of the CUDA GEMM kernels (gemm_kernels.cuh), in one header that g++
// compiles too: native/test/cpp/cuda_gemm_layout_test.cc runs both kernels' tile loops on the
// host with these very functions placing every fragment (an emulation of cp.async, ldmatrix and
// mma.sync by their PTX definitions) and compares with a float64 GEMM, so a layout bug fails on
// the CPU before a GPU ever runs the kernel.
//
// Both kernels compute y = epilogue(x W^T) for activations x: [M][K] and a weight W: [N][K] as
// Hugging Face stores it (out_features rows, K contiguous), with mma.sync.m16n8k16 (fp16|bf16
// operands, fp32 accumulators). K must be a multiple of 8 (one 16-byte vector); M and N any.
//
// Tiled kernel (prefill, M > kSkinnyMaxRows): x converted to 16 bits first. A block of kThreads
// computes a kBM x kBN tile of y; K advances kBK at a time through kStages shared-memory stages
// filled by cp.async (16-byte vectors, zero-filled past M, N and K). 2 x 2 warps, each a
// kWarpTileM x kWarpTileN tile = kFragsM x kFragsN mma tiles; A fragments by ldmatrix.x4 from the
// x tile, B fragments by ldmatrix.x4 from the W tile (W's rows are B's columns: "col" layout).
//
// Skinny kernel (decode, M <= kSkinnyMaxRows): the roles swap, y^T = W x^T, so a weight tile is
// the mma's A operand (16 weight rows) and the few tokens are its N (8 per n-tile). Every weight
// byte is read once, straight from global memory into registers with 16-byte loads (no shared
// memory, no reuse to wait for); x (tiny, cached) stays fp32 in memory and is rounded while
// loading. A block of kSkinnyWarps warps takes kSkinnyRows weight rows; its warps split K
// (k-block kb of kSkinnyKBlock to warp kb % kSkinnyWarps) and add their partial tiles in shared
// memory. Why the k order inside a k-block is permuted: a thread loads 8 consecutive k of a row
// in one 16-byte load and feeds them to two mma k-steps; the sum over k does not care which
// k-slot of the mma an element takes, as long as the weight and the activation of the same k
// take the same slot (skinny_a_elem / skinny_b_elem below keep them paired).
#pragma once
#include <cstddef>
#include <cstdint>

#include "cuda/host_device.h"
#include "cuda/layer_math.h"

namespace chunkserve {
namespace gemm {

// ---- shared by both kernels ----------------------------------------------------------------
constexpr int kVec = 8;  // 16-bit elements per 16-byte vector (cp.async / ldmatrix row / load)

// mma.sync.m16n8k16 fragments (PTX ISA, "Matrix Fragments for mma.m16n8k16" with .f16/.bf16
// operands and .f32 accumulators); g = lane / 4, t = lane % 4:
//   A (16x16, row-major) register r in 0..3, half h: row g + 8 (r & 1), column 2t + h + 8 (r >> 1)
//   B (16x8, "col")      register r in 0..1, half h: row (k) 2t + h + 8r, column g
//   C (16x8)             element e in 0..3:          row g + 8 (e >> 1), column 2t + (e & 1)
CS_HD int a_frag_row(int lane, int r) { return (lane >> 2) + ((r & 1) << 3); }
CS_HD int a_frag_col(int lane, int r, int h) { return ((lane & 3) << 1) + h + ((r >> 1) << 3); }
CS_HD int b_frag_k(int lane, int r, int h) { return ((lane & 3) << 1) + h + (r << 3); }
CS_HD int b_frag_n(int lane) { return lane >> 2; }
CS_HD int c_frag_row(int lane, int e) { return (lane >> 2) + ((e >> 1) << 3); }
CS_HD int c_frag_col(int lane, int e) { return ((lane & 3) << 1) + (e & 1); }

// ldmatrix.sync.aligned.m8n8.x4.b16 (PTX ISA): matrix j (0..3) is read from the 8 row addresses
// of lanes 8j .. 8j+7 (row i from lane 8j + i); lane L receives, in register j, elements
// 2 (L % 4) and 2 (L % 4) + 1 of row L / 4 of matrix j.
CS_HD int ldm_src_lane(int lane, int j) { return 8 * j + (lane >> 2); }
CS_HD int ldm_elem(int lane, int h) { return ((lane & 3) << 1) + h; }

// ---- tiled kernel --------------------------------------------------------------------------
constexpr int kBM = 64, kBN = 128, kBK = 32;
constexpr int kWarpsM = 2, kWarpsN = 2;
constexpr int kThreads = 32 * kWarpsM * kWarpsN;  // 128
constexpr int kWarpTileM = kBM / kWarpsM;         // 32
constexpr int kWarpTileN = kBN / kWarpsN;         // 64
constexpr int kFragsM = kWarpTileM / 16;          // 2 m16 tiles per warp
constexpr int kFragsN = kWarpTileN / 8;           // 8 n8 tiles per warp
constexpr int kVecsPerRow = kBK / kVec;           // 4 vectors in a tile row of kBK
constexpr int kStages = 2;
constexpr int kTileVecsA = kBM * kVecsPerRow;     // 256 vectors of the x tile
constexpr int kTileVecsB = kBN * kVecsPerRow;     // 512 vectors of the W tile
constexpr int kStageVecs = kTileVecsA + kTileVecsB;
constexpr size_t kSmemBytes = static_cast<size_t>(kStages) * kStageVecs * 16;  // 24 KB

// Slot (in 16-byte vectors) of vector v of row `row` of a [rows][kBK] shared tile. Rows are 64
// bytes, so rows r and r + 2 start in the same banks; XOR-ing v with (row / 2) % 4 puts the 8
// rows that one ldmatrix phase reads (8 consecutive rows, same v) in 8 different 16-byte bank
// groups: no conflicts (checked by the test for every phase the kernel issues).
CS_HD int swizzle(int row, int v) { return row * kVecsPerRow + (v ^ ((row >> 1) & (kVecsPerRow - 1))); }

// cp.async work split: copy i of thread tid moves vector idx = tid + i * kThreads of a tile,
// i.e. row idx / kVecsPerRow, vector idx % kVecsPerRow (consecutive threads, consecutive bytes).
CS_HD int copy_row(int idx) { return idx / kVecsPerRow; }
CS_HD int copy_vec(int idx) { return idx % kVecsPerRow; }

// Warp w's tile inside the block tile.
CS_HD int warp_row0(int warp) { return (warp / kWarpsN) * kWarpTileM; }
CS_HD int warp_col0(int warp) { return (warp % kWarpsN) * kWarpTileN; }

// ldmatrix.x4 row addresses of k-step ks (16 of the tile's kBK) for lane `lane`:
//   A: one 16x16 x-fragment at tile rows r0..r0+15: matrices (rows 0-7 | 8-15) x (k 0-7 | 8-15)
//      in the order a0..a3 of the A fragment.
CS_HD int a_ld_row(int lane) { return lane & 15; }
CS_HD int a_ld_vec(int lane, int ks) { return 2 * ks + (lane >> 4); }
//   B: two n8 tiles at W tile rows n0..n0+15: matrices (n 0-7, k 0-7), (n 0-7, k 8-15),
//      (n 8-15, k 0-7), (n 8-15, k 8-15) = b0, b1 of the first n8 tile, b0, b1 of the second.
CS_HD int b_ld_row(int lane) { return (lane & 7) + ((lane >> 4) << 3); }
CS_HD int b_ld_vec(int lane, int ks) { return 2 * ks + ((lane >> 3) & 1); }

// ---- skinny kernel -------------------------------------------------------------------------
constexpr int kSkinnyMaxRows = 32;   // tokens (M) at most: 4 n8 tiles
constexpr int kSkinnyWarps = 8;
constexpr int kSkinnyThreads = 32 * kSkinnyWarps;
constexpr int kSkinnyRows = 16;      // weight rows per block: one mma M tile
constexpr int kSkinnyKBlock = 32;    // k per load round: 4 threads x 8 elements
constexpr size_t kSkinnySmemBytes = static_cast<size_t>(kSkinnyWarps) * kSkinnyRows * kSkinnyMaxRows * 4;  // 16 KB

// Thread (g = lane / 4, t = lane % 4) of a warp at k-block kb loads 8 elements starting at
// k = kb * kSkinnyKBlock + 8t from weight rows g and g + 8 of the block and from token rows
// 8 nt + g (n-tile nt). Element e of such a load feeds mma k-step e / 4; which register:
CS_HD int skinny_k(int lane, int kb) { return kb * kSkinnyKBlock + ((lane & 3) << 3); }
//   A register r, half h of k-step s: element 4s + 2 (r >> 1) + h of weight row g + 8 (r & 1)
CS_HD int skinny_a_elem(int s, int r, int h) { return 4 * s + 2 * (r >> 1) + h; }
//   B register r, half h of k-step s: element 4s + 2r + h of the token row
CS_HD int skinny_b_elem(int s, int r, int h) { return 4 * s + 2 * r + h; }

// ---- epilogue (both kernels) ---------------------------------------------------------------
enum class Epilogue : int {
  Store = 0,       // y = x W^T (+ bias), columns split over up to three outputs (fused q|k|v)
  Accumulate = 1,  // y += x W^T (the residual add)
  SwiGLU = 2,      // W's rows are gate/up interleaved (2j = gate j, 2j+1 = up j): h[j] = silu(g) u
};

// Where the GEMM's columns go. Store/Accumulate: columns [0, cols[0]) to out[0] (row stride
// cols[0]), the next cols[1] to out[1], the rest (cols[2]) to out[2]. SwiGLU: out[0] is h with
// cols[0] = N / 2 columns.
struct GemmOut {
  Epilogue mode = Epilogue::Store;
  float* out[3] = {nullptr, nullptr, nullptr};
  int cols[3] = {0, 0, 0};
  const float* bias = nullptr;  // [N] or null (Store)
};

// Column n of the GEMM: its output part and its column there.
CS_HD void split_column(const GemmOut& o, int n, int& part, int& col) {
  if (n < o.cols[0]) {
    part = 0, col = n;
  } else if (n < o.cols[0] + o.cols[1]) {
    part = 1, col = n - o.cols[0];
  } else {
    part = 2, col = n - o.cols[0] - o.cols[1];
  }
}
// Writes y[row][n] = v (Store, with the bias) or adds it (Accumulate). The parts are picked
// with selects, not by indexing out[part]: an indexed kernel parameter would go to local memory.
CS_HD void write_out(const GemmOut& o, int row, int n, float v) {
  int part, col;
  split_column(o, n, part, col);
  float* base = part == 0 ? o.out[0] : part == 1 ? o.out[1] : o.out[2];
  const int cols = part == 0 ? o.cols[0] : part == 1 ? o.cols[1] : o.cols[2];
  float* p = base + static_cast<int64_t>(row) * cols + col;
  if (o.mode == Epilogue::Accumulate) {
    *p += v;
  } else {
    *p = o.bias != nullptr ? v + o.bias[n] : v;
  }
}
// SwiGLU: columns n (even, gate) and n + 1 (up) of row `row` -> h[row][n / 2].
CS_HD void write_swiglu(const GemmOut& o, int row, int n, float gate, float up) {
  o.out[0][static_cast<int64_t>(row) * o.cols[0] + (n >> 1)] = layer_math::swiglu(gate, up);
}

}  // namespace gemm
}  // namespace chunkserve
