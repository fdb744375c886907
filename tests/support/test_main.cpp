// One doctest main for every test executable.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atlas/core/logger.hpp>

#include <cstdlib>

namespace {

// Tests are quiet unless asked: ATLAS_TEST_LOG=debug (or any level) shows
// Atlas's own log lines, e.g. a supervisor's reports while a test fails.
const bool quiet_by_default = [] {
  const char* level = std::getenv("ATLAS_TEST_LOG");
  return static_cast<bool>(atlas::set_log_level(level != nullptr ? level : "off"));
}();

} // namespace

#ifdef ATLAS_SANITIZE
// Read by the sanitizer runtimes at start-up; UBSAN_OPTIONS / ASAN_OPTIONS in
// the environment still override them. halt_on_error makes any UBSan report
// fail the test; the suppression file covers only CAF's documented false
// positive (cmake/ubsan.supp, reference/runtime.md §1.1).
extern "C" const char* __ubsan_default_options() {
  return "suppressions=" ATLAS_UBSAN_SUPPRESSIONS ":print_stacktrace=1:halt_on_error=1";
}
extern "C" const char* __asan_default_options() {
  return "detect_leaks=1:strict_string_checks=1:check_initialization_order=1";
}
// CAF 0.17's middleman now and then loses one acceptor (200 bytes, made in
// default_multiplexer::new_doorman) when a publication is closed and the
// system stops soon after; that allocation and no other is suppressed.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:caf::io::network::default_multiplexer::new_doorman\n";
}
#endif
