// The prefix hash of a chunk: H(its parent's hash, or H(namespace) at the root; its tokens).
// Equal prefixes of one namespace hash equal on every replica and never across namespaces. The
// cache gives every committed chunk this hash (CacheEvent, CacheChunk::hash), and callers can
// compute the hashes a token sequence's chunks would have (prefix_chunk_hashes) to find them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace chunkserve {

uint64_t namespace_hash(const std::string& ns);
// parent: namespace_hash(ns) at the root, else the parent chunk's hash. Never 0.
uint64_t chunk_hash(uint64_t parent, const int32_t* tokens, size_t n);
// The hash of every chunk of chunk_size tokens along tokens, the last one partial when tokens do
// not end on a chunk boundary.
std::vector<uint64_t> prefix_chunk_hashes(const std::string& ns, const std::vector<int32_t>& tokens, int chunk_size);

}  // namespace chunkserve
