// ExAtlas's Auth.SignedUrl (reference/exatlas.md §16.2), with its worked examples.

#include <atlas/node/crypto.hpp>
#include <atlas/node/signed_url.hpp>

#include <doctest/doctest.h>

using namespace atlas;

namespace {
const std::string secret_text = "test-secret-test-secret-test-secret";
constexpr std::int64_t exp_at = 1700000060;
constexpr std::int64_t signed_now = exp_at - 3600; // the default expires_in
} // namespace

TEST_CASE("sign_url gives ExAtlas's worked example for a path without a query") {
  CHECK(sign_url("https://x.test/stream/42", secret_text, 3600, signed_now)
        == "https://x.test/stream/42?exp=1700000060&sig=J0o5oNJZNliKEnPDiN013T-XRzCAspGFqqQs_5Y94no");
}

TEST_CASE("sign_url keeps and signs an existing query parameter, sorted by key") {
  CHECK(sign_url("https://x.test/a?user=42", secret_text, 3600, signed_now)
        == "https://x.test/a?exp=1700000060&sig=h1KtXzVNAt9bkj372LWplkkEvRlT8h3eO22E2so5R7M&user=42");
}

TEST_CASE("a signed URL verifies, also as path and query alone") {
  auto url = sign_url("https://x.test/a?user=42", secret_text, 3600, signed_now);
  CHECK(verify_url(url, secret_text, signed_now) == signed_url_check::ok);
  CHECK(verify_url(url.substr(std::string{"https://x.test"}.size()), secret_text, signed_now)
        == signed_url_check::ok);
  CHECK(verify_url(url, secret_text, exp_at) == signed_url_check::ok); // exp == now is still valid
}

TEST_CASE("a tampered sig, a changed parameter or another secret is bad_signature") {
  auto url = sign_url("/v1/apps/a/logs/sse?region=ams", secret_text, 60, signed_now);
  auto sig_at = url.find("sig=") + 4;
  auto tampered = url;
  tampered[sig_at] = tampered[sig_at] == 'A' ? 'B' : 'A';
  CHECK(verify_url(tampered, secret_text, signed_now) == signed_url_check::bad_signature);
  auto other_region = url;
  other_region.replace(other_region.find("region=ams"), 10, "region=fra");
  CHECK(verify_url(other_region, secret_text, signed_now) == signed_url_check::bad_signature);
  auto other_path = url;
  other_path.replace(other_path.find("/a/"), 3, "/b/");
  CHECK(verify_url(other_path, secret_text, signed_now) == signed_url_check::bad_signature);
  CHECK(verify_url(url, "another-secret", signed_now) == signed_url_check::bad_signature);
}

TEST_CASE("an expired URL is expired before its signature is looked at") {
  auto url = sign_url("/x", secret_text, 10, signed_now - 100);
  CHECK(verify_url(url, secret_text, signed_now) == signed_url_check::expired);
  auto bad_sig = url.substr(0, url.find("sig=") + 4) + "nonsense";
  CHECK(verify_url(bad_sig, secret_text, signed_now) == signed_url_check::expired);
}

TEST_CASE("a URL without an integer exp or without a sig is malformed") {
  CHECK(verify_url("/x?sig=abc", secret_text, 0) == signed_url_check::malformed);
  CHECK(verify_url("/x?exp=12a&sig=abc", secret_text, 0) == signed_url_check::malformed);
  CHECK(verify_url("/x?exp=&sig=abc", secret_text, 0) == signed_url_check::malformed);
  CHECK(verify_url("/x?exp=100", secret_text, 0) == signed_url_check::malformed);
  CHECK(verify_url("", secret_text, 0) == signed_url_check::malformed);
  // A sign is allowed: +100 is an integer.
  CHECK(verify_url("/x?exp=%2B100&sig=abc", secret_text, 0) == signed_url_check::bad_signature);
}

TEST_CASE("a URL that carried a sig when signed never verifies (ExAtlas's quirk)") {
  auto url = sign_url("/x?sig=zzz", secret_text, 60, signed_now);
  CHECK(verify_url(url, secret_text, signed_now) == signed_url_check::bad_signature);
}

TEST_CASE("query encoding is form encoding: space as +, unreserved kept, else upper-case %XX") {
  CHECK(encode_query({{"b", "x y"}, {"a", "1/2~._-"}}) == "a=1%2F2~._-&b=x+y");
  auto q = decode_query("a=1&b=x+y&a=%2F");
  CHECK(q.at("a") == "/"); // the last duplicate wins
  CHECK(q.at("b") == "x y");
}

TEST_CASE("crypto primitives match their reference values") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(base64url("\xfb\xff") == "-_8");
  CHECK(base64url("") == "");
  CHECK(to_hex("\x01\xab") == "01ab");
  CHECK(from_hex("01AB") == std::string{"\x01\xab"});
  CHECK_FALSE(from_hex("0g").has_value());
  CHECK(constant_time_equal("same", "same"));
  CHECK_FALSE(constant_time_equal("same", "samE"));
  CHECK_FALSE(constant_time_equal("same", "same-but-longer"));
  auto r = random_bytes(32);
  REQUIRE(r);
  CHECK(r->size() == 32);
  CHECK(*r != *random_bytes(32));
}
