#include <atlas/core/error.hpp>

#include "caf_roundtrip.hpp"
#include "../support/deterministic_fixture.hpp"

#include <caf/all.hpp>
#include <doctest/doctest.h>

using atlas::errc;
using atlas::error;

TEST_CASE("an error renders as ExAtlas does: [provider] kind (HTTP status): message") {
  CHECK(to_string(error{errc::unauthorized, "bad key", 401, "runpod"})
        == "[runpod] unauthorized (HTTP 401): bad key");
  CHECK(to_string(error{errc::timeout, "app demo: fly tokens create took over 15s"})
        == "[atlas] timeout: app demo: fly tokens create took over 15s");
  CHECK(to_string(error{errc::not_found, ""}) == "[atlas] not_found: no message");
  CHECK(to_string(error{}) == "[atlas] unknown: no message");
}

TEST_CASE("an error's message is redacted when the error is made") {
  error e{errc::unauthorized, "request with Authorization: FlyV1 fm2_abc123,fm2_def456 was refused"};
  CHECK(e.message().find("fm2_abc123") == std::string::npos);
  CHECK(e.message().find("fm2_def456") == std::string::npos);
  CHECK(e.message().find("[REDACTED]") != std::string::npos);
  CHECK(to_string(e).find("fm2_") == std::string::npos);
}

TEST_CASE("an error crosses CAF serialisation unchanged") {
  atlas::test::deterministic_fixture fx;
  error e{errc::rate_limited, "slow down", 429, "fly"};
  CHECK(atlas::test::caf_roundtrip(fx.sys, e) == e);
}

TEST_CASE("an error travels in a CAF message and stringifies by its to_string") {
  auto msg = caf::make_message(error{errc::validation, "app name \"\": must not be empty"});
  CHECK(msg.match_element<error>(0));
  CHECK(msg.get_as<error>(0).code() == errc::validation);
  CHECK(caf::to_string(msg).find("validation") != std::string::npos);
}
