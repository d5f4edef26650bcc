// The forward step's batch: rows, spans, decode rows first, logits rows.
#include <stdexcept>

#include "check.h"
#include "runtime/batch.h"

using namespace chunkserve;

TEST_CASE("decode rows come first; spans and logits rows follow the order of addition") {
  Batch b;
  b.add_decode(7, 41, 3);
  b.add_decode(9, 5, 4);
  const int32_t piece[] = {10, 11, 12};
  b.add_prefill(2, 60, piece, 3, false);
  b.add_prefill(3, 0, piece, 2, true);
  CHECK_EQ(b.n_rows(), 7);
  CHECK_EQ(b.n_decode(), 2);
  CHECK_EQ(b.n_logits(), 3);
  CHECK(b.tokens() == (std::vector<int32_t>{3, 4, 10, 11, 12, 10, 11}));
  CHECK(b.positions() == (std::vector<int32_t>{41, 5, 60, 61, 62, 0, 1}));
  CHECK(b.row_seqs() == (std::vector<SeqId>{7, 9, 2, 2, 2, 3, 3}));
  CHECK(b.wants_logits() == (std::vector<uint8_t>{1, 1, 0, 0, 0, 0, 1}));
  CHECK(b.logits_rows() == (std::vector<int32_t>{0, 1, 6}));
  CHECK(b.decode_seqs() == (std::vector<SeqId>{7, 9}));
  REQUIRE(b.spans().size() == 4u);
  CHECK_EQ(b.spans()[2].row0, 2);
  CHECK_EQ(b.spans()[2].logits, -1);
  CHECK_EQ(b.spans()[3].logits, 2);
  CHECK_THROWS_AS(b.add_decode(1, 0, 0), std::logic_error);
  CHECK_THROWS_AS(b.add_prefill(1, 0, piece, 0, true), std::invalid_argument);
  b.clear();
  CHECK(b.empty());
  b.add_decode(1, 0, 0);  // decode rows are allowed again after clear
  CHECK_EQ(b.n_decode(), 1);
}
