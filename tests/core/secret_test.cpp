#include <atlas/core/secret.hpp>

#include "caf_roundtrip.hpp"
#include "../support/deterministic_fixture.hpp"

#include <caf/all.hpp>
#include <doctest/doctest.h>

TEST_CASE("a secret never prints its value, only reveal() gives it") {
  atlas::secret s{"fo1_value_that_must_not_print"};
  CHECK(to_string(s) == "[REDACTED]");
  CHECK(s.reveal() == "fo1_value_that_must_not_print");
  CHECK(to_string(atlas::secret{}).empty());
}

TEST_CASE("a CAF message holding a secret stringifies without the value") {
  auto msg = caf::make_message(std::string{"app"}, atlas::secret{"legacy1234567890abcdef"});
  auto text = caf::to_string(msg);
  CHECK(text.find("legacy1234567890abcdef") == std::string::npos);
  CHECK(text.find("[REDACTED]") != std::string::npos);
}

TEST_CASE("a secret crosses CAF serialisation with its value") {
  atlas::test::deterministic_fixture fx;
  atlas::secret s{"FlyV1 fm2_abc"};
  CHECK(atlas::test::caf_roundtrip(fx.sys, s).reveal() == "FlyV1 fm2_abc");
}
