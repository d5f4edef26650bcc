#include "addon/js_args.h"

#include <cmath>
#include <new>
#include <stdexcept>

#include "cache/kv_cache.h"
#include "common/coded_error.h"

namespace chunkserve::js {

namespace {

std::string number_text(double d) {
  if (d == std::floor(d) && std::fabs(d) < 9.2e18) return std::to_string(static_cast<int64_t>(d));
  return std::to_string(d);
}

[[noreturn]] void type_error(Napi::Env env, const std::string& name, const char* kind) {
  throw Napi::TypeError::New(env, name + " must be " + kind);
}

[[noreturn]] void range_error(Napi::Env env, const std::string& name, double lo, double hi, double got) {
  throw Napi::RangeError::New(env, name + " must be in [" + number_text(lo) + ", " + number_text(hi) + "], got " +
                                       number_text(got));
}

}  // namespace

Napi::Value arg(const Napi::CallbackInfo& info, size_t i) { return i < info.Length() ? info[i] : info.Env().Undefined(); }

bool is_missing(Napi::Value v) { return v.IsUndefined() || v.IsNull(); }

double to_number(Napi::Value v, const std::string& name, double lo, double hi) {
  if (!v.IsNumber()) type_error(v.Env(), name, "a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d) || d < lo || d > hi) range_error(v.Env(), name, lo, hi, d);
  return d;
}

int64_t to_int(Napi::Value v, const std::string& name, int64_t lo, int64_t hi) {
  if (!v.IsNumber()) type_error(v.Env(), name, "a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d)) type_error(v.Env(), name, "an integer");
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
    range_error(v.Env(), name, static_cast<double>(lo), static_cast<double>(hi), d);
  return static_cast<int64_t>(d);
}

bool to_bool(Napi::Value v, const std::string& name) {
  if (!v.IsBoolean()) type_error(v.Env(), name, "a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string to_string(Napi::Value v, const std::string& name) {
  if (!v.IsString()) type_error(v.Env(), name, "a string");
  return v.As<Napi::String>().Utf8Value();
}

std::string to_choice(Napi::Value v, const std::string& name, std::initializer_list<const char*> choices) {
  const std::string s = to_string(v, name);
  std::string list;
  size_t i = 0;
  for (const char* c : choices) {
    if (s == c) return s;
    list += (i == 0 ? "" : i + 1 == choices.size() ? (choices.size() == 2 ? " or " : ", or ") : ", ");
    list += std::string("\"") + c + "\"";
    ++i;
  }
  throw Napi::RangeError::New(v.Env(), name + " must be " + (choices.size() > 2 ? "one of " : "") + list + " (got \"" + s + "\")");
}

Napi::Object to_object(Napi::Value v, const std::string& name) {
  if (!v.IsObject() || v.IsArray()) type_error(v.Env(), name, "an object");
  return v.As<Napi::Object>();
}

std::vector<int32_t> to_tokens(Napi::Value v, const std::string& name, int64_t lo, int64_t hi) {
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    auto a = v.As<Napi::Int32Array>();
    std::vector<int32_t> out(a.Data(), a.Data() + a.ElementLength());
    for (size_t i = 0; i < out.size(); ++i)
      if (out[i] < lo || out[i] > hi) range_error(v.Env(), name + "[" + std::to_string(i) + "]", lo, hi, out[i]);
    return out;
  }
  if (!v.IsArray()) type_error(v.Env(), name, "an Int32Array or an array of integers");
  auto a = v.As<Napi::Array>();
  std::vector<int32_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i)
    out[i] = static_cast<int32_t>(to_int(a.Get(i), name + "[" + std::to_string(i) + "]", lo, hi));
  return out;
}

std::vector<int32_t> to_int32_array(Napi::Value v, const std::string& name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    type_error(v.Env(), name, "an Int32Array");
  auto a = v.As<Napi::Int32Array>();
  return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<int64_t> to_int_list(Napi::Value v, const std::string& name, int64_t lo, int64_t hi) {
  if (!v.IsArray()) type_error(v.Env(), name, "an array of integers");
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = to_int(a.Get(i), name + "[" + std::to_string(i) + "]", lo, hi);
  return out;
}

std::vector<std::string> to_string_list(Napi::Value v, const std::string& name) {
  if (!v.IsArray()) type_error(v.Env(), name, "an array of strings");
  auto a = v.As<Napi::Array>();
  std::vector<std::string> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = to_string(a.Get(i), name + "[" + std::to_string(i) + "]");
  return out;
}

Napi::Float32Array to_f32(Napi::Value v, const std::string& name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    type_error(v.Env(), name, "a Float32Array");
  return v.As<Napi::Float32Array>();
}

std::vector<float> to_f32_values(Napi::Value v, const std::string& name, size_t n) {
  Napi::Float32Array a = to_f32(v, name);
  if (a.ElementLength() != n)
    throw Napi::RangeError::New(v.Env(), name + " must hold " + std::to_string(n) + " values (got " +
                                             std::to_string(a.ElementLength()) + ")");
  return std::vector<float>(a.Data(), a.Data() + n);
}

// ---- Fields ---------------------------------------------------------------------------------

Fields::Fields(Napi::Value obj, std::string where) : obj_(to_object(obj, where)), where_(std::move(where)) {}

bool Fields::has(const char* key) const { return obj_.Has(key) && !is_missing(obj_.Get(key)); }

int64_t Fields::integer(const char* key, int64_t def, int64_t lo, int64_t hi) const {
  return has(key) ? to_int(get(key), name(key), lo, hi) : def;
}

int64_t Fields::required_integer(const char* key, int64_t lo, int64_t hi) const {
  if (!has(key)) throw Napi::TypeError::New(obj_.Env(), name(key) + " is required");
  return to_int(get(key), name(key), lo, hi);
}

double Fields::number(const char* key, double def, double lo, double hi) const {
  return has(key) ? to_number(get(key), name(key), lo, hi) : def;
}

bool Fields::boolean(const char* key, bool def) const { return has(key) ? to_bool(get(key), name(key)) : def; }

std::string Fields::string(const char* key, const std::string& def) const {
  return has(key) ? to_string(get(key), name(key)) : def;
}

std::string Fields::choice(const char* key, const char* def, std::initializer_list<const char*> choices) const {
  return has(key) ? to_choice(get(key), name(key), choices) : def;
}

Napi::Object Fields::object(const char* key) const { return to_object(get(key), name(key)); }

// ---- errors ---------------------------------------------------------------------------------

void rethrow_as_js(Napi::Env env) {
  try {
    throw;
  } catch (const Napi::Error&) {
    throw;
  } catch (const CacheFullError& e) {
    Napi::Error err = Napi::Error::New(env, std::string("CacheFullError: ") + e.what());
    err.Set("code", Napi::String::New(env, "ERR_CACHE_FULL"));
    throw err;
  } catch (const CacheError& e) {
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("code", Napi::String::New(env, "ERR_CACHE"));
    throw err;
  } catch (const CodedError& e) {
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("code", Napi::String::New(env, e.code()));
    throw err;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, "out of host memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

}  // namespace chunkserve::js
