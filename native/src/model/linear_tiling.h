// Cache tiling shared by every ISA's linear kernel. A Kernel provides
//   template <int RO, int RT> static void tile(const float* x, int64_t ldx, const char* w,
//       int64_t ldw_bytes, int64_t cols, const float* bias, float* y, int64_t ldy);
// computing the RO x RT block y[t][r] = dot(x[t], w[r]) (+ bias[r]) in registers.
#pragma once
#include <algorithm>
#include <cstdint>

#include "model/linear.h"

namespace chunkserve {

// Why 64: a tile of 64 tokens x 4096 floats is 1 MiB and stays in L2 while every output row of
// this thread's share streams past it once; decode batches (<= 64 tokens) read each weight once.
constexpr int64_t kTokenTile = 64;
constexpr int kRowBlock = 4;    // RO: weight rows per register block
constexpr int kTokenBlock = 4;  // RT: tokens per register block

template <typename Kernel, int RO>
inline void tile_tokens(const float* x, int64_t ldx, const char* w, int64_t ldw, int64_t cols, const float* bias,
                        float* y, int64_t ldy, int64_t n_tok) {
  int64_t t = 0;
  for (; t + kTokenBlock <= n_tok; t += kTokenBlock)
    Kernel::template tile<RO, kTokenBlock>(x + t * ldx, ldx, w, ldw, cols, bias, y + t * ldy, ldy);
  switch (n_tok - t) {
    case 3: Kernel::template tile<RO, 3>(x + t * ldx, ldx, w, ldw, cols, bias, y + t * ldy, ldy); break;
    case 2: Kernel::template tile<RO, 2>(x + t * ldx, ldx, w, ldw, cols, bias, y + t * ldy, ldy); break;
    case 1: Kernel::template tile<RO, 1>(x + t * ldx, ldx, w, ldw, cols, bias, y + t * ldy, ldy); break;
    default: break;
  }
}

template <typename Kernel>
inline void linear_rows_tiled(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias,
                              int64_t o_begin, int64_t o_end, float* y) {
  const int64_t cols = w.cols, ldy = w.rows;
  const int64_t ldw = cols * static_cast<int64_t>(dtype_size(w.dtype));  // bytes per weight row
  const char* wbase = static_cast<const char*>(w.data);
  for (int64_t t0 = 0; t0 < n_tokens; t0 += kTokenTile) {
    const int64_t nt = std::min(kTokenTile, n_tokens - t0);
    const float* xt = x + t0 * cols;  // [nt, cols]
    float* yt = y + t0 * ldy;         // [nt, rows]
    int64_t o = o_begin;
    for (; o + kRowBlock <= o_end; o += kRowBlock)
      tile_tokens<Kernel, kRowBlock>(xt, cols, wbase + o * ldw, ldw, cols, bias ? bias + o : nullptr, yt + o, ldy, nt);
    for (; o < o_end; ++o)
      tile_tokens<Kernel, 1>(xt, cols, wbase + o * ldw, ldw, cols, bias ? bias + o : nullptr, yt + o, ldy, nt);
  }
}

}  // namespace chunkserve
