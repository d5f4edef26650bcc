// Reading JavaScript values into C++, for every binding, with one set of errors:
//   a value of the wrong type      -> TypeError  "<name> must be <kind>"
//   a number out of its range      -> RangeError "<name> must be in [lo, hi], got <x>"
//   a string outside its choices   -> RangeError "<name> must be "a" or "b" (got "x")"
// where <name> is what the caller calls the value ("request.maxTokens", "tokens[3]").
// Engine exceptions become JS errors in one place too (rethrow_as_js).
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace chunkserve::js {

// info[i], or undefined past the end.
Napi::Value arg(const Napi::CallbackInfo& info, size_t i);
bool is_missing(Napi::Value v);  // undefined or null

int64_t to_int(Napi::Value v, const std::string& name, int64_t lo, int64_t hi);
double to_number(Napi::Value v, const std::string& name, double lo, double hi);
bool to_bool(Napi::Value v, const std::string& name);
std::string to_string(Napi::Value v, const std::string& name);
std::string to_choice(Napi::Value v, const std::string& name, std::initializer_list<const char*> choices);
Napi::Object to_object(Napi::Value v, const std::string& name);
// An Int32Array, or an array of integers in [lo, hi].
std::vector<int32_t> to_tokens(Napi::Value v, const std::string& name, int64_t lo = INT32_MIN, int64_t hi = INT32_MAX);
std::vector<int32_t> to_int32_array(Napi::Value v, const std::string& name);  // an Int32Array only
std::vector<int64_t> to_int_list(Napi::Value v, const std::string& name, int64_t lo, int64_t hi);
std::vector<std::string> to_string_list(Napi::Value v, const std::string& name);
Napi::Float32Array to_f32(Napi::Value v, const std::string& name);
// A Float32Array of exactly n values, copied.
std::vector<float> to_f32_values(Napi::Value v, const std::string& name, size_t n);

// The fields of an options object; absent (undefined or null) fields take their default.
class Fields {
 public:
  // obj must be an object; where names it in errors ("options").
  Fields(Napi::Value obj, std::string where);

  bool has(const char* key) const;
  Napi::Value get(const char* key) const { return obj_.Get(key); }
  std::string name(const char* key) const { return where_ + "." + key; }

  int64_t integer(const char* key, int64_t def, int64_t lo, int64_t hi) const;
  int64_t required_integer(const char* key, int64_t lo, int64_t hi) const;
  double number(const char* key, double def, double lo, double hi) const;
  bool boolean(const char* key, bool def) const;
  std::string string(const char* key, const std::string& def) const;
  std::string choice(const char* key, const char* def, std::initializer_list<const char*> choices) const;
  Napi::Object object(const char* key) const;  // required

 private:
  Napi::Object obj_;
  std::string where_;
};

// Rethrows the exception in flight as a JS error: CacheFullError -> Error with code
// ERR_CACHE_FULL, CacheError -> code ERR_CACHE, CodedError -> its code, std::bad_alloc ->
// "out of host memory", Napi::Error as is, any other std::exception -> Error with its message.
// Call from a catch.
[[noreturn]] void rethrow_as_js(Napi::Env env);

// Runs fn, turning C++ exceptions into JS errors (rethrow_as_js).
template <class F>
auto guarded(Napi::Env env, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (...) {
    rethrow_as_js(env);
  }
}

}  // namespace chunkserve::js
