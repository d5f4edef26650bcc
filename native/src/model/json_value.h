// A small JSON reader for the checkpoint files the core reads without Node (safetensors
// headers, config.json, model.safetensors.index.json): the standalone GPU check driver loads a
// Hugging Face directory with it. Objects keep their members in file order.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace chunkserve {

struct JsonValue {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;

  bool is_null() const { return type == Type::Null; }
  bool is_number() const { return type == Type::Number; }
  bool is_string() const { return type == Type::String; }
  bool is_object() const { return type == Type::Object; }
  bool is_array() const { return type == Type::Array; }
  // The member `key` of an object, or nullptr (also for a non-object).
  const JsonValue* find(const std::string& key) const;
};

// Parses one JSON document (RFC 8259; surrounding whitespace allowed). Throws
// std::invalid_argument "JSON: <fault> at byte <n>" on malformed text.
JsonValue parse_json(const std::string& text);

}  // namespace chunkserve
