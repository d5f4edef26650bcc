// The decode work list: one grouping of shared chunks into segments that the CPU kernel and the
// CUDA plan both execute.
#include "attention/decode_attention.h"
#include "attention/decode_work_list.h"
#include "check.h"
#include "cuda/tpp_device_plan.h"

using namespace chunkserve;

namespace {

// n_seqs sequences sharing `shared` chunks (ids 0..), `branch` more shared by the odd ones, then
// one own tail each.
std::vector<std::vector<ChunkId>> tree(int n_seqs, int shared, int branch) {
  std::vector<std::vector<ChunkId>> paths(n_seqs);
  ChunkId next = shared + branch;
  for (int b = 0; b < n_seqs; ++b) {
    for (int k = 0; k < shared; ++k) paths[b].push_back(k);
    if (b % 2) for (int k = 0; k < branch; ++k) paths[b].push_back(shared + k);
    paths[b].push_back(next++);
  }
  return paths;
}

std::vector<int32_t> lengths(const std::vector<std::vector<ChunkId>>& paths, int c) {
  std::vector<int32_t> lens;
  for (const auto& p : paths) lens.push_back(static_cast<int32_t>(p.size() - 1) * c + 1);
  return lens;
}

}  // namespace

TEST_CASE("runs of shared chunks are split into balanced segments; each sequence merges one partial per segment") {
  const int c = 4;
  const auto paths = tree(6, 21, 3);
  const DecodeWorkList w = build_decode_work_list(paths, lengths(paths, c), c, 1);
  CHECK_EQ(w.n_shared(), 24);
  CHECK_EQ(w.n_segments(), 4);  // 21 -> 7 + 7 + 7, then the 3-chunk branch
  CHECK_EQ(w.max_segment_chunks, 8);
  CHECK(w.segment_chunk_offset == (std::vector<int32_t>{0, 7, 14, 21, 24}));
  CHECK_EQ(w.segment_end[3] - w.segment_begin[3], 3);  // the branch covers the 3 odd sequences
  CHECK_EQ(w.n_partials(), 6 + 6 + 6 + 3);
  for (int i = 0; i < w.n_seqs(); ++i) {
    const int32_t merged = w.seq_partial_offset[i + 1] - w.seq_partial_offset[i];
    CHECK_EQ(merged, w.dfs_row[i] % 2 ? 4 : 3);
    CHECK_EQ(w.seq_chunk_offset[i + 1] - w.seq_chunk_offset[i], 1);  // only its tail is its own
  }
  // The baseline: nothing shared, every sequence reads every chunk of its path.
  const DecodeWorkList base = build_decode_work_list(paths, lengths(paths, c), c, 1 << 30);
  CHECK_EQ(base.n_segments(), 0);
  CHECK_EQ(base.seq_chunks.size(), 6u * 22 + 3 * 3);
}

TEST_CASE("a target task count sizes the segments (the GPU's policy)") {
  const int c = 32;
  std::vector<std::vector<ChunkId>> paths = tree(12, 16, 0);
  ChunkLayout layout{1, 2, 64, c, DType::F16};
  // 16 chunks x 2 KV heads = 32 one-chunk blocks (12 x 2 rows fit one block); 8 targeted -> 4 a segment.
  const DecodeWorkList few = build_decode_work_list(paths, lengths(paths, c), c, 1, cuda_segment_policy(layout, 4, 8));
  CHECK_EQ(few.max_segment_chunks, 4);
  CHECK_EQ(few.n_segments(), 4);
  CHECK_EQ(few.n_partials(), 4 * 12);
  const DecodeWorkList many = build_decode_work_list(paths, lengths(paths, c), c, 1, cuda_segment_policy(layout, 4, 1000));
  CHECK_EQ(many.n_segments(), 16);
  // The device plan runs the work list's segments as they are: one piece each.
  const TppDevicePlan plan = build_tpp_device_plan(few, layout, 4);
  REQUIRE(plan.chunk_first.size() == 4u);
  for (int s = 0; s < 4; ++s) {
    CHECK_EQ(plan.chunk_first[s].n_refs, few.segment_chunk_offset[s + 1] - few.segment_chunk_offset[s]);
    CHECK_EQ(plan.chunk_first[s].out_row, few.segment_partial_offset[s]);
  }
  CHECK(plan.merge_rows == few.seq_partials);
}

TEST_CASE("the CPU policy makes segments as long as about four tasks per thread allow") {
  const int c = 64;
  const auto paths = tree(32, 32, 0);  // a 2048-token prompt shared by 32 sequences
  // 32 KV heads, 2 threads: 32 (segment, head) tasks already with whole runs.
  const DecodeWorkList mha = build_decode_work_list(paths, lengths(paths, c), c, 1, cpu_segment_policy(32, 2));
  CHECK(mha.segment_chunk_offset == (std::vector<int32_t>{0, 32}));
  // 4 KV heads, 2 threads: 8 tasks wanted -> 2 segments of 16 chunks per run.
  const DecodeWorkList gqa = build_decode_work_list(paths, lengths(paths, c), c, 1, cpu_segment_policy(4, 2));
  CHECK_EQ(gqa.n_segments(), 2);
  // 4 KV heads, 16 threads: 64 tasks wanted -> 16 segments of 2 chunks.
  const DecodeWorkList wide = build_decode_work_list(paths, lengths(paths, c), c, 1, cpu_segment_policy(4, 16));
  CHECK_EQ(wide.n_segments(), 16);
  // 1 KV head, 64 threads: more tasks wanted than chunks -> one chunk a segment.
  const DecodeWorkList one = build_decode_work_list(paths, lengths(paths, c), c, 1, cpu_segment_policy(1, 64));
  CHECK_EQ(one.n_segments(), 32);
}

TEST_CASE("paths that are not a prefix tree are refused") {
  const std::vector<std::vector<ChunkId>> two_parents{{0, 1, 2}, {3, 1, 4}};
  CHECK_THROWS_AS(build_decode_work_list(two_parents, {9, 9}, 4, 1), CacheError);
  const std::vector<std::vector<ChunkId>> two_depths{{0, 1}, {1, 2}};
  CHECK_THROWS_AS(build_decode_work_list(two_depths, {5, 5}, 4, 1), CacheError);
  const std::vector<std::vector<ChunkId>> shared_tail{{0, 1}, {0, 2}};
  CHECK_THROWS_AS(build_decode_work_list(shared_tail, {2, 6}, 4, 1), CacheError);  // chunk 0 shared but not full
}
