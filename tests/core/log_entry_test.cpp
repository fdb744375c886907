#include <atlas/core/log_entry.hpp>

#include "caf_roundtrip.hpp"
#include "../support/deterministic_fixture.hpp"

#include <doctest/doctest.h>

using atlas::log_entry;

TEST_CASE("timestamps above 2^53 ns keep every nanosecond") {
  // 2026-05-20T00:00:00.000000001Z: far above 2^53, where a double rounds.
  std::int64_t ns = 1779235200000000001;
  CHECK(static_cast<std::int64_t>(static_cast<double>(ns)) != ns); // the trap this avoids
  CHECK(atlas::format_timestamp(ns) == "2026-05-20T00:00:00.000000001Z");
  CHECK(atlas::format_timestamp(0) == "1970-01-01T00:00:00.000000000Z");
  CHECK(atlas::format_timestamp(-1) == "1969-12-31T23:59:59.999999999Z");
}

TEST_CASE("a log entry prints in flyctl's shape with its message redacted") {
  log_entry e{1779235200123456789, "01J", "demo", "148e", "iad", "info",
              "connecting with Bearer fo1_abcdefgh"};
  CHECK(to_string(e)
        == "2026-05-20T00:00:00.123456789Z demo[148e] iad [info] connecting with Bearer [REDACTED]");
}

TEST_CASE("a log entry crosses CAF serialisation unchanged, cursor included") {
  atlas::test::deterministic_fixture fx;
  log_entry e{1779235200000000001, "id-1", "demo", "148e", "iad", "warn", "disk 91% full"};
  CHECK(atlas::test::caf_roundtrip(fx.sys, e) == e);
}
