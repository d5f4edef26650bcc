// safetensors headers read in C++ (libs/engine/src/checkpoint/safetensors.ts does the same for
// the Node runtime): 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end)}, __metadata__?}, then the data. Only the
// header is read; ModelWeights maps the data. Used by the standalone GPU check driver.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace chunkserve {

struct SafetensorsEntry {
  std::string dtype;           // "F32", "F16", "BF16", "I32", ...
  std::vector<int64_t> shape;
  int64_t offset = 0;          // absolute byte offset of the data in the file
  int64_t nbytes = 0;
};

struct SafetensorsHeader {
  std::map<std::string, SafetensorsEntry> tensors;
  std::map<std::string, std::string> metadata;  // __metadata__ (string values)
};

// Reads and checks a header: a known dtype, a shape of non-negative integers, data_offsets whose
// span is the shape's size in that dtype and lies inside the file. Throws std::runtime_error
// "<file>: <fault>".
SafetensorsHeader read_safetensors_header(const std::string& file);

}  // namespace chunkserve
