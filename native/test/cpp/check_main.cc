// Runner of the C++ tests (check.h): `chunkserve_<name>_test [substring]`.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>

#include "check.h"

namespace check {

std::vector<TestCase>& registry() {
  static std::vector<TestCase> cases;  // function-local: safe against static-init order
  return cases;
}

static int g_failures = 0;
static const char* g_current = "";

void fail(const char* file, int line, const std::string& what) {
  ++g_failures;
  std::fprintf(stderr, "FAIL [%s] %s:%d: %s\n", g_current, file, line, what.c_str());
}

}  // namespace check

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int run = 0, failed_cases = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const check::TestCase& tc : check::registry()) {
    if (filter != nullptr && std::strstr(tc.name, filter) == nullptr) continue;
    check::g_current = tc.name;
    const int before = check::g_failures;
    try {
      tc.body();
    } catch (const check::Abort&) {
    } catch (const std::exception& e) {
      check::fail(tc.file, tc.line, std::string("unexpected exception: ") + e.what());
    } catch (...) {
      check::fail(tc.file, tc.line, "unexpected non-standard exception");
    }
    ++run;
    if (check::g_failures != before) ++failed_cases;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%d test cases, %d failed, %d failed checks (%.2f s)\n", run, failed_cases, check::g_failures, s);
  return run == 0 || failed_cases != 0 ? 1 : 0;
}
