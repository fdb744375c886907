#include <atlas/core/token_record.hpp>

#include "caf_roundtrip.hpp"
#include "../support/deterministic_fixture.hpp"

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <set>

using atlas::token_record;
using atlas::token_source;
using namespace std::chrono_literals;

TEST_CASE("every token source has the name DESIGN.md uses and parses back") {
  std::set<std::string_view> names;
  for (auto s : atlas::all_token_sources()) {
    names.insert(to_string(s));
    CHECK(atlas::token_source_from_string(to_string(s)) == s);
  }
  CHECK(names == std::set<std::string_view>{"cache", "storage", "env", "config", "cli", "manual",
                                            "none"});
  CHECK_FALSE(atlas::token_source_from_string("disk"));
}

TEST_CASE("a token record prints its source and expiry, never its value") {
  token_record r{atlas::secret{"FlyV1 fm2_topsecret"}, token_source::cli,
                 token_record::clock::time_point{} + 24h};
  auto text = to_string(r);
  CHECK(text == "token_record(source=cli, expires_at=1970-01-02T00:00:00Z, value=[REDACTED])");
  auto msg = caf::to_string(caf::make_message(r));
  CHECK(msg.find("topsecret") == std::string::npos);
}

TEST_CASE("expiry: a record expires at expires_at, and `never` does not expire") {
  auto now = token_record::clock::now();
  token_record r{atlas::secret{"x"}, token_source::config, now + 1h};
  CHECK_FALSE(r.expired(now));
  CHECK(r.expired(now + 1h));
  token_record manual{atlas::secret{"x"}, token_source::manual};
  CHECK_FALSE(manual.expired(now + 24h * 365 * 100));
  CHECK(to_string(manual).find("expires_at=never") != std::string::npos);
}

TEST_CASE("a token record crosses CAF serialisation unchanged") {
  atlas::test::deterministic_fixture fx;
  token_record r{atlas::secret{"fo1_abc"}, token_source::storage,
                 token_record::clock::time_point{} + 1234567890s};
  CHECK(atlas::test::caf_roundtrip(fx.sys, r) == r);
  token_record never{atlas::secret{"fo1_abc"}, token_source::manual};
  CHECK(atlas::test::caf_roundtrip(fx.sys, never) == never);
}
