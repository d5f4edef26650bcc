#include "runtime/batch.h"

#include <stdexcept>
#include <string>

namespace chunkserve {

void Batch::add_span(SeqId seq, int32_t pos0, const int32_t* tokens, int32_t n, bool want_logits) {
  BatchSpan s;
  s.seq = seq;
  s.row0 = n_rows();
  s.n = n;
  s.pos0 = pos0;
  for (int32_t j = 0; j < n; ++j) {
    token_.push_back(tokens[j]);
    pos_.push_back(pos0 + j);
    seq_.push_back(seq);
    wants_logits_.push_back(want_logits && j == n - 1);
  }
  if (want_logits) {
    s.logits = n_logits();
    logits_rows_.push_back(s.row0 + n - 1);
  }
  spans_.push_back(s);
}

void Batch::add_decode(SeqId seq, int32_t pos, int32_t token) {
  if (static_cast<size_t>(n_decode()) != spans_.size())
    throw std::logic_error("Batch: decode rows must come before prefill spans");
  if (pos < 0) throw std::invalid_argument("Batch: decode position " + std::to_string(pos) + " is negative");
  add_span(seq, pos, &token, 1, true);
  decode_seqs_.push_back(seq);
}

void Batch::add_prefill(SeqId seq, int32_t pos0, const int32_t* tokens, int32_t n, bool want_logits) {
  if (n < 1 || pos0 < 0)
    throw std::invalid_argument("Batch: a prefill span needs n >= 1 and pos0 >= 0 (got n " + std::to_string(n) +
                                ", pos0 " + std::to_string(pos0) + ")");
  add_span(seq, pos0, tokens, n, want_logits);
}

void Batch::clear() {
  token_.clear();
  pos_.clear();
  seq_.clear();
  wants_logits_.clear();
  spans_.clear();
  decode_seqs_.clear();
  logits_rows_.clear();
}

}  // namespace chunkserve
