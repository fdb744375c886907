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

TEST_CASE("parse_timestamp reads RFC 3339 with any fraction and offset, to the nanosecond") {
  using atlas::parse_timestamp;
  CHECK(parse_timestamp("2026-05-20T00:00:00.000000001Z") == 1779235200000000001);
  CHECK(parse_timestamp("2026-05-20T00:00:00Z") == 1779235200000000000);
  CHECK(parse_timestamp("2026-05-20T00:00:00.5Z") == 1779235200500000000);
  CHECK(parse_timestamp("2026-05-20T02:00:00+02:00") == 1779235200000000000);
  CHECK(parse_timestamp("1969-12-31T23:59:59.999999999Z") == -1);
  for (std::int64_t ns : {std::int64_t{0}, std::int64_t{1779235200123456789}, std::int64_t{-1}})
    CHECK(parse_timestamp(atlas::format_timestamp(ns)) == ns);
  for (const char* bad : {"", "2026-05-20", "2026-05-20T00:00:00", "2026-13-01T00:00:00Z",
                          "2026-05-20T00:00:00.Z", "2026-05-20T00:00:00Zjunk", "yesterday"})
    CHECK_FALSE(parse_timestamp(bad));
}
