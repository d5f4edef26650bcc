// One JSON object per line on stdout, built field by field (the GPU check's output format).
#pragma once
#include <cmath>
#include <cstdio>
#include <string>

namespace chunkserve {

class JsonLine {
 public:
  JsonLine& add(const char* key, const std::string& v) {
    std::string q;
    for (char c : v) q += c == '"' || c == '\\' ? std::string("\\") + c : static_cast<unsigned char>(c) < 0x20 ? std::string(" ") : std::string(1, c);
    return raw(key, "\"" + q + "\"");
  }
  JsonLine& add(const char* key, const char* v) { return add(key, std::string(v)); }
  JsonLine& add(const char* key, double v) {
    if (!std::isfinite(v)) return raw(key, "null");
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return raw(key, buf);
  }
  JsonLine& add(const char* key, int v) { return raw(key, std::to_string(v)); }
  JsonLine& add(const char* key, long long v) { return raw(key, std::to_string(v)); }
  JsonLine& add(const char* key, bool v) { return raw(key, v ? "true" : "false"); }
  JsonLine& raw(const char* key, const std::string& json) {
    text_ += (text_.empty() ? "{" : ",") + std::string("\"") + key + "\":" + json;
    return *this;
  }
  void print() const {
    std::printf("%s}\n", text_.c_str());
    std::fflush(stdout);
  }

 private:
  std::string text_;
};

}  // namespace chunkserve
