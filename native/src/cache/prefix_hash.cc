#include "cache/prefix_hash.h"

#include <algorithm>

namespace chunkserve {

namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull, kFnvPrime = 0x100000001b3ull;

// splitmix64's finaliser, so that near-equal inputs land far apart.
uint64_t finish(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return z == 0 ? 1 : z;  // 0 is kept for "no hash"
}

}  // namespace

uint64_t namespace_hash(const std::string& ns) {
  uint64_t h = kFnvOffset;
  for (unsigned char ch : ns) h = (h ^ ch) * kFnvPrime;
  return finish(h);
}

uint64_t chunk_hash(uint64_t parent, const int32_t* tokens, size_t n) {
  uint64_t h = parent;  // FNV-1a over the tokens' 4 bytes each, little end first
  for (size_t i = 0; i < n; ++i) {
    const uint32_t t = static_cast<uint32_t>(tokens[i]);
    for (int b = 0; b < 4; ++b) h = (h ^ ((t >> (8 * b)) & 0xff)) * kFnvPrime;
  }
  return finish(h);
}

std::vector<uint64_t> prefix_chunk_hashes(const std::string& ns, const std::vector<int32_t>& tokens, int chunk_size) {
  std::vector<uint64_t> out;
  uint64_t parent = namespace_hash(ns);
  for (size_t pos = 0; pos < tokens.size(); pos += chunk_size) {
    const size_t n = std::min<size_t>(chunk_size, tokens.size() - pos);
    parent = chunk_hash(parent, tokens.data() + pos, n);
    out.push_back(parent);
  }
  return out;
}

}  // namespace chunkserve
