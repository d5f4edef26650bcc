// An engine error whose kind callers act on: it carries a stable code (ERR_...) that the addon
// puts on the JS error and on 'error' events, so the API maps errors by code, not by message.
#pragma once
#include <stdexcept>
#include <string>

namespace chunkserve {

// Codes used across the engine.
inline constexpr const char* kErrPromptTooLarge = "ERR_PROMPT_TOO_LARGE";  // can never fit the pool
inline constexpr const char* kErrCacheFull = "ERR_CACHE_FULL";              // does not fit the pool now
inline constexpr const char* kErrNotPinned = "ERR_NOT_PINNED";              // unpin of a prefix not pinned
inline constexpr const char* kErrEngine = "ERR_ENGINE";                     // anything else (a bug)

class CodedError : public std::runtime_error {
 public:
  CodedError(const char* code, const std::string& message) : std::runtime_error(message), code_(code) {}
  const char* code() const { return code_; }

 private:
  const char* code_;
};

}  // namespace chunkserve
