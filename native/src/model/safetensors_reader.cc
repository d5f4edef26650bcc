#include "model/safetensors_reader.h"

#include <cmath>
#include <fstream>
#include <stdexcept>

#include "model/json_value.h"

namespace chunkserve {

namespace {

constexpr uint64_t kMaxHeaderBytes = uint64_t(100) << 20;

int64_t dtype_bytes(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL") return 1;
  return 0;
}

bool whole(const JsonValue& v) { return v.is_number() && v.number >= 0 && v.number == std::floor(v.number) && v.number < 9007199254740992.0; }

}  // namespace

SafetensorsHeader read_safetensors_header(const std::string& file) {
  auto fail = [&](const std::string& what) -> std::runtime_error { return std::runtime_error(file + ": " + what); };
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) throw fail("cannot open");
  const int64_t size = static_cast<int64_t>(in.tellg());
  if (size < 8) throw fail("truncated: " + std::to_string(size) + " bytes, not even the 8-byte header length");
  in.seekg(0);
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int b = 7; b >= 0; --b) header_len = (header_len << 8) | len_bytes[b];
  if (header_len > kMaxHeaderBytes || 8 + static_cast<int64_t>(header_len) > size)
    throw fail("header length " + std::to_string(header_len) + " does not fit in the file (" + std::to_string(size) +
               " bytes): truncated or not safetensors");
  std::string text(header_len, '\0');
  in.read(&text[0], static_cast<std::streamsize>(header_len));
  JsonValue root;
  try {
    root = parse_json(text);
  } catch (const std::invalid_argument& e) {
    throw fail(std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!root.is_object()) throw fail("header is not a JSON object");
  const int64_t data_start = 8 + static_cast<int64_t>(header_len), data_len = size - data_start;
  SafetensorsHeader h;
  for (const auto& kv : root.object) {
    const std::string& name = kv.first;
    const JsonValue& t = kv.second;
    if (name == "__metadata__") {
      for (const auto& m : t.object)
        if (m.second.is_string()) h.metadata[m.first] = m.second.string;
      continue;
    }
    const JsonValue* dtype = t.find("dtype");
    const JsonValue* shape = t.find("shape");
    const JsonValue* offs = t.find("data_offsets");
    if (dtype == nullptr || !dtype->is_string() || dtype_bytes(dtype->string) == 0)
      throw fail("tensor " + name + " has an unknown dtype");
    SafetensorsEntry e;
    e.dtype = dtype->string;
    if (shape == nullptr || !shape->is_array()) throw fail("tensor " + name + " has a malformed shape");
    int64_t numel = 1;
    for (const JsonValue& d : shape->array) {
      if (!whole(d)) throw fail("tensor " + name + " has a malformed shape");
      e.shape.push_back(static_cast<int64_t>(d.number));
      numel *= e.shape.back();
    }
    if (offs == nullptr || !offs->is_array() || offs->array.size() != 2 || !whole(offs->array[0]) || !whole(offs->array[1]) ||
        offs->array[1].number < offs->array[0].number)
      throw fail("tensor " + name + " has malformed data_offsets");
    const int64_t begin = static_cast<int64_t>(offs->array[0].number), end = static_cast<int64_t>(offs->array[1].number);
    e.nbytes = end - begin;
    if (e.nbytes != numel * dtype_bytes(e.dtype))
      throw fail("tensor " + name + ": data_offsets span " + std::to_string(e.nbytes) + " bytes but its dtype and shape need " +
                 std::to_string(numel * dtype_bytes(e.dtype)));
    if (end > data_len)
      throw fail("truncated: tensor " + name + " ends at byte " + std::to_string(data_start + end) + " but the file has " +
                 std::to_string(size));
    e.offset = data_start + begin;
    h.tensors[name] = std::move(e);
  }
  return h;
}

}  // namespace chunkserve
