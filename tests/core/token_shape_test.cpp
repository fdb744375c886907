#include <atlas/core/token_shape.hpp>

#include "../support/sample_tokens.hpp"

#include <doctest/doctest.h>

#include <string>

using atlas::parse_token;

namespace {
const std::string& kMac1 = atlas::test::sample_macaroon_1;
const std::string& kMac2 = atlas::test::sample_macaroon_2;
const std::string& kOauth = atlas::test::sample_oauth;
const std::string& kLegacy = atlas::test::sample_legacy;
} // namespace

TEST_CASE("a macaroon list as `fly tokens create` prints it is accepted and normalised") {
  auto t = parse_token("FlyV1 " + kMac1 + "," + kMac2 + "\n");
  REQUIRE(t);
  CHECK(t->reveal() == kMac1 + "," + kMac2);
  CHECK(atlas::authorization_header(*t).reveal() == "FlyV1 " + kMac1 + "," + kMac2);
}

TEST_CASE("schemes are stripped as Fly's server strips them, repeatedly and in any case") {
  CHECK(parse_token("Bearer FlyV1 " + kMac1)->reveal() == kMac1);
  CHECK(parse_token("bearer " + kOauth)->reveal() == kOauth);
  CHECK(parse_token("  " + kMac1 + "  ")->reveal() == kMac1);
}

TEST_CASE("OAuth and legacy tokens are accepted and sent as Bearer") {
  auto o = parse_token(kOauth);
  REQUIRE(o);
  CHECK(atlas::authorization_header(*o).reveal() == "Bearer " + kOauth);
  CHECK(parse_token(kLegacy));
  // Macaroons plus an OAuth token: the header carries the macaroons only (fly-go).
  auto mixed = parse_token(kMac1 + "," + kOauth);
  REQUIRE(mixed);
  CHECK(atlas::authorization_header(*mixed).reveal() == "FlyV1 " + kMac1);
}

TEST_CASE("truncated and malformed tokens are refused, saying why, never showing the token") {
  struct bad_case {
    std::string token;
    std::string says;
  };
  for (auto& [token, says] : std::initializer_list<bad_case>{
         {"", "empty"},
         {"FlyV1 ", "empty"},
         {"FlyV1 fm2_lJPE", "truncated"},
         {kMac1 + ",", "part 2 of 2 is empty"},
         {kMac1 + ",fm2_", "part 2 of 2 is a macaroon of only 0"},
         {"fm2_abc=defghijklmnopqrstu", "'=' before its end"},
         {"fm2_abcdefghijklmnopqrstu===", "more than two '='"},
         {"fo1_short", "truncated"},
         {"\"" + kOauth + "\"", "outside a Fly token's alphabet"},
         {kOauth.substr(0, 10) + " " + kOauth.substr(10), "outside"},
         {kOauth + "," + kLegacy, "second non-macaroon"},
         {kOauth + "," + kMac1, "macaroon after an OAuth token"},
       }) {
    auto r = parse_token(token);
    REQUIRE_MESSAGE(!r, token);
    CHECK(r.error().code() == atlas::errc::validation);
    CHECK_MESSAGE(r.error().message().find(says) != std::string::npos, r.error().message());
    if (token.size() > 8)
      CHECK(r.error().message().find(token.substr(4)) == std::string::npos);
  }
}
