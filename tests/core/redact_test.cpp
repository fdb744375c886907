#include <atlas/core/redact.hpp>

#include "../support/sample_tokens.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using atlas::contains_secret;
using atlas::redact;

namespace {

// Realistic shapes: a macaroon pair as `fly tokens create readonly` prints it,
// an OAuth token, and a legacy personal token.
const std::string& kMacaroon1 = atlas::test::sample_macaroon_1;
const std::string& kMacaroon2 = atlas::test::sample_macaroon_2;
const std::string& kOauth = atlas::test::sample_oauth;
const std::string& kLegacy = atlas::test::sample_legacy;

void check_no_leak(const std::string& text, const std::vector<std::string>& secrets) {
  auto out = redact(text);
  for (auto& s : secrets)
    CHECK_MESSAGE(out.find(s) == std::string::npos, "leaked " << s << " in: " << out);
  CHECK(out.find("[REDACTED]") != std::string::npos);
  CHECK(contains_secret(text));
  CHECK_FALSE(contains_secret(out));
}

} // namespace

TEST_CASE("a FlyV1 macaroon list is masked whole, the scheme kept") {
  auto text = "FlyV1 " + kMacaroon1 + "," + kMacaroon2;
  CHECK(redact(text) == "FlyV1 [REDACTED]");
  check_no_leak("using token FlyV1 " + kMacaroon1 + "," + kMacaroon2 + " for app demo",
                {kMacaroon1, kMacaroon2, "lJPE"});
}

TEST_CASE("Bearer values are masked, including Bearer FlyV1 ...") {
  CHECK(redact("Bearer " + kOauth) == "Bearer [REDACTED]");
  CHECK(redact("Bearer " + kLegacy + " rest") == "Bearer [REDACTED] rest");
  check_no_leak("Bearer FlyV1 " + kMacaroon1, {kMacaroon1});
  CHECK(redact("bearer " + kLegacy) == "bearer [REDACTED]");
}

TEST_CASE("an Authorization header is masked to the end of the line") {
  CHECK(redact("GET /v1/apps HTTP/1.1\r\nAuthorization: Bearer " + kLegacy + "\r\nHost: x\r\n")
        == "GET /v1/apps HTTP/1.1\r\nAuthorization: [REDACTED]\r\nHost: x\r\n");
  CHECK(redact("authorization=" + kLegacy) == "authorization=[REDACTED]");
  check_no_leak("{\"Authorization\": \"Custom " + kLegacy + "\"}", {kLegacy});
}

TEST_CASE("bare Fly tokens are masked wherever they stand") {
  check_no_leak("minted " + kMacaroon1 + ".", {kMacaroon1});
  check_no_leak("oauth=(" + kOauth + ")", {kOauth});
  check_no_leak("fm1r_c2VjcmV0 and fm1a_c2VjcmV0", {"fm1r_c2VjcmV0", "fm1a_c2VjcmV0"});
}

TEST_CASE("access_token values are masked in YAML, JSON and key=value") {
  CHECK(redact("access_token: " + kLegacy + "\n") == "access_token: [REDACTED]\n");
  CHECK(redact("access_token: \"" + kLegacy + "\"") == "access_token: \"[REDACTED]\"");
  CHECK(redact("access_token: '" + kLegacy + "'") == "access_token: '[REDACTED]'");
  CHECK(redact("{\"access_token\":\"" + kLegacy + "\",\"x\":1}")
        == "{\"access_token\":\"[REDACTED]\",\"x\":1}");
  check_no_leak("access_token=" + kLegacy, {kLegacy});
}

TEST_CASE("FLY_API_TOKEN and FLY_ACCESS_TOKEN assignments are masked") {
  CHECK(redact("FLY_API_TOKEN=" + kLegacy) == "FLY_API_TOKEN=[REDACTED]");
  check_no_leak("env FLY_ACCESS_TOKEN=\"" + kLegacy + "\" fly deploy", {kLegacy});
}

TEST_CASE("text without credentials comes back unchanged") {
  for (std::string text :
       {"", "==> Building image", "--> Pushing image done", "[1/2] Machine 148e update finished: success",
        "fm2 is not a token", "xfm2_abc is part of a word", "Bearer", "Authorization:",
        "access_token:", "Bearer\n", "the flyv1 protocol", "tokens: 3 acquired"}) {
    CHECK(redact(text) == text);
    CHECK_FALSE(contains_secret(text));
  }
}

TEST_CASE("redaction is idempotent") {
  auto once = redact("Authorization: FlyV1 " + kMacaroon1 + " and Bearer " + kOauth);
  CHECK(redact(once) == once);
}

TEST_CASE("every occurrence in a long text is masked") {
  std::string text;
  for (int i = 0; i < 100; ++i)
    text += "line " + std::to_string(i) + " FlyV1 " + kMacaroon1 + " Bearer " + kOauth + "\n";
  auto out = redact(text);
  CHECK(out.find("fm2_") == std::string::npos);
  CHECK(out.find("fo1_") == std::string::npos);
  CHECK(out.find("line 99") != std::string::npos);
}
