// One forward step's tokens (the engine's llama_ubatch): built in one place (Scheduler::step),
// consumed by Forward and every backend.
//
// Rows are tokens: row r is token[r] at position pos[r] of sequence seq[r], and wants_logits[r]
// says whether the logits of the token after it are wanted. The rows of one sequence are
// consecutive and in position order: a span. Decode spans (one row: a sequence's newest token)
// come first, prefill spans (a piece of a prompt) after them, so decode attention reads rows
// [0, n_decode) as its batch without gathering:
//
//   rows:   | d0 | d1 | ... | d(n_decode-1) | p0 p0 p0 ... | p1 p1 ... |
//   spans:  [0]  [1]        [n_decode-1]     [n_decode]     [n_decode+1]
//   logits: one row per span that wants them, in span order (so decode spans first).
#pragma once
#include <cstdint>
#include <vector>

#include "cache/kv_cache.h"

namespace chunkserve {

// Consecutive rows [row0, row0 + n) of one sequence, at positions [pos0, pos0 + n).
struct BatchSpan {
  SeqId seq = -1;
  int32_t row0 = 0;
  int32_t n = 0;
  int32_t pos0 = 0;
  int32_t logits = -1;  // row of the step's logits output holding this span's last token, or -1
};

class Batch {
 public:
  // A decode row: the newest token of seq at position pos (its K/V not stored yet), logits wanted.
  // Throws std::logic_error once a prefill span was added (decode rows come first).
  void add_decode(SeqId seq, int32_t pos, int32_t token);
  // A prefill span: tokens[0, n) at positions [pos0, pos0 + n) of seq; want_logits: of its last row.
  // Throws std::invalid_argument for n < 1 or pos0 < 0.
  void add_prefill(SeqId seq, int32_t pos0, const int32_t* tokens, int32_t n, bool want_logits);
  void clear();

  bool empty() const { return token_.empty(); }
  int32_t n_rows() const { return static_cast<int32_t>(token_.size()); }   // T
  int32_t n_decode() const { return static_cast<int32_t>(decode_seqs_.size()); }
  int32_t n_logits() const { return static_cast<int32_t>(logits_rows_.size()); }

  const std::vector<int32_t>& tokens() const { return token_; }           // [T]
  const std::vector<int32_t>& positions() const { return pos_; }          // [T]
  const std::vector<SeqId>& row_seqs() const { return seq_; }             // [T]
  const std::vector<uint8_t>& wants_logits() const { return wants_logits_; }  // [T] 0/1
  const std::vector<BatchSpan>& spans() const { return spans_; }          // decode spans first
  const std::vector<SeqId>& decode_seqs() const { return decode_seqs_; }  // [n_decode] seq of row b
  const std::vector<int32_t>& logits_rows() const { return logits_rows_; }  // [n_logits] row per output

 private:
  void add_span(SeqId seq, int32_t pos0, const int32_t* tokens, int32_t n, bool want_logits);

  std::vector<int32_t> token_, pos_;
  std::vector<SeqId> seq_;
  std::vector<uint8_t> wants_logits_;
  std::vector<BatchSpan> spans_;
  std::vector<SeqId> decode_seqs_;
  std::vector<int32_t> logits_rows_;
};

}  // namespace chunkserve
