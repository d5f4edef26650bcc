// Argument checks for the addon's bindings: every value from JS is validated and a bad one
// raises a TypeError / RangeError with a message that names the argument.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace chunkserve {

inline Napi::Value arg(const Napi::CallbackInfo& info, size_t i) { return i < info.Length() ? info[i] : info.Env().Undefined(); }

inline int64_t to_int(Napi::Env env, Napi::Value v, const std::string& name, int64_t lo, int64_t hi) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, name + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d)) throw Napi::TypeError::New(env, name + " must be an integer");
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throw Napi::RangeError::New(env, name + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                                         std::to_string(static_cast<int64_t>(d)));
  return static_cast<int64_t>(d);
}

inline std::string to_string_arg(Napi::Env env, Napi::Value v, const std::string& name) {
  if (!v.IsString()) throw Napi::TypeError::New(env, name + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// Token ids: an Int32Array or an array of integers in int32 range.
inline std::vector<int32_t> to_tokens(Napi::Env env, Napi::Value v, const std::string& name) {
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    auto a = v.As<Napi::Int32Array>();
    return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
  }
  if (!v.IsArray()) throw Napi::TypeError::New(env, name + " must be an Int32Array or an array of integers");
  auto a = v.As<Napi::Array>();
  std::vector<int32_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i)
    out[i] = static_cast<int32_t>(to_int(env, a.Get(i), name + "[" + std::to_string(i) + "]", INT32_MIN, INT32_MAX));
  return out;
}

inline std::vector<int64_t> to_int_list(Napi::Env env, Napi::Value v, const std::string& name, int64_t lo, int64_t hi) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, name + " must be an array of integers");
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = to_int(env, a.Get(i), name + "[" + std::to_string(i) + "]", lo, hi);
  return out;
}

inline Napi::Float32Array to_f32(Napi::Env env, Napi::Value v, const std::string& name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, name + " must be a Float32Array");
  return v.As<Napi::Float32Array>();
}

}  // namespace chunkserve
