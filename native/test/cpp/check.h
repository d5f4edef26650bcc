// A tiny test framework for the C++ tests (no download at build time): test cases register
// themselves, checks record failures with file:line and keep going, REQUIRE stops the case.
//
//   TEST_CASE("insert shares full chunks") {
//     CHECK(a == b);                       // records a failure, continues
//     CHECK_NEAR(x, ref, 1e-5);            // |x - ref| <= tol
//     CHECK_THROWS_AS(cache.remove(7), CacheError);
//     REQUIRE(ptr != nullptr);             // stops this case on failure
//   }
//
// The runner (check_main.cc) runs every case, or those whose name contains argv[1], prints one
// line per failure and a summary, and exits 1 when anything failed.
#pragma once
#include <cmath>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace check {

struct TestCase {
  const char* name;
  const char* file;
  int line;
  std::function<void()> body;
};

std::vector<TestCase>& registry();
void fail(const char* file, int line, const std::string& what);  // records one failure

struct Registrar {
  Registrar(const char* name, const char* file, int line, std::function<void()> body) {
    registry().push_back({name, file, line, std::move(body)});
  }
};

// Thrown by REQUIRE to end the current case (already recorded as a failure).
struct Abort {};

template <class A, class B>
std::string describe(const A& a, const B& b) {
  std::ostringstream s;
  s << a << " vs " << b;
  return s.str();
}

}  // namespace check

#define CHECK_CAT2(a, b) a##b
#define CHECK_CAT(a, b) CHECK_CAT2(a, b)
#define TEST_CASE(name)                                                                              \
  static void CHECK_CAT(check_case_, __LINE__)();                                                    \
  static ::check::Registrar CHECK_CAT(check_reg_, __LINE__)(name, __FILE__, __LINE__,                \
                                                             &CHECK_CAT(check_case_, __LINE__));      \
  static void CHECK_CAT(check_case_, __LINE__)()

#define CHECK(expr) \
  do {              \
    if (!(expr)) ::check::fail(__FILE__, __LINE__, "CHECK(" #expr ")"); \
  } while (0)

#define CHECK_EQ(a, b)                                                                       \
  do {                                                                                       \
    const auto& check_a_ = (a);                                                              \
    const auto& check_b_ = (b);                                                              \
    if (!(check_a_ == check_b_))                                                             \
      ::check::fail(__FILE__, __LINE__, "CHECK_EQ(" #a ", " #b "): " + ::check::describe(check_a_, check_b_)); \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                       \
  do {                                                                                              \
    const double check_a_ = (a), check_b_ = (b);                                                    \
    if (!(std::fabs(check_a_ - check_b_) <= (tol)))                                                 \
      ::check::fail(__FILE__, __LINE__, "CHECK_NEAR(" #a ", " #b ", " #tol "): " + ::check::describe(check_a_, check_b_)); \
  } while (0)

#define CHECK_THROWS_AS(expr, type)                                                            \
  do {                                                                                         \
    bool check_thrown_ = false;                                                                \
    try {                                                                                      \
      (void)(expr);                                                                            \
    } catch (const type&) {                                                                    \
      check_thrown_ = true;                                                                    \
    } catch (...) {                                                                            \
    }                                                                                          \
    if (!check_thrown_) ::check::fail(__FILE__, __LINE__, "CHECK_THROWS_AS(" #expr ", " #type ")"); \
  } while (0)

#define REQUIRE(expr)                                                      \
  do {                                                                     \
    if (!(expr)) {                                                         \
      ::check::fail(__FILE__, __LINE__, "REQUIRE(" #expr ")");             \
      throw ::check::Abort{};                                              \
    }                                                                      \
  } while (0)
