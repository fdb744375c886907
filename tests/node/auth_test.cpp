// Who may use the node: bearer tokens, signed URLs, session cookies
// (docs/node.md "Authentication").

#include <atlas/node/auth.hpp>
#include <atlas/node/signed_url.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>

using namespace atlas;
namespace fs = std::filesystem;

namespace {

struct fixture {
  fs::path dir = fs::temp_directory_path() / ("atlas-node-auth-" + std::to_string(std::random_device{}()));
  std::shared_ptr<token_store> store = std::make_shared<token_store>((dir / "node_tokens.json").string());
  secret key = load_or_create_node_secret((dir / "node_secret").string()).value();
  node_auth auth{store, key};
  ~fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

http_server_request request(std::string target, http_headers headers = {}) {
  http_server_request r;
  r.method = "GET";
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  r.headers = std::move(headers);
  return r;
}

errc code_of(const expected<void>& r) {
  return r ? errc::unknown : r.error().code();
}

} // namespace

TEST_CASE("no credentials, a wrong token and a revoked token are unauthorized") {
  fixture f;
  auto t = f.store->create("test");
  REQUIRE(t);
  CHECK(code_of(f.auth.check(request("/v1/apps"), false)) == errc::unauthorized);
  CHECK(code_of(f.auth.check(request("/v1/apps", {{"Authorization", "Bearer wrong"}}), false))
        == errc::unauthorized);
  CHECK(code_of(f.auth.check(request("/v1/apps", {{"Authorization", "Basic abc"}}), false))
        == errc::unauthorized);
  CHECK(f.auth.check(request("/v1/apps", {{"Authorization", "Bearer " + t->token.reveal()}}), false));
  CHECK(f.auth.check(request("/v1/apps", {{"authorization", "bearer " + t->token.reveal()}}), false));
  REQUIRE(f.store->revoke(t->info.id));
  CHECK(code_of(f.auth.check(request("/v1/apps", {{"Authorization", "Bearer " + t->token.reveal()}}), false))
        == errc::unauthorized);
}

TEST_CASE("a signed URL opens a stream route, and only a stream route") {
  fixture f;
  auto url = f.auth.sign("/v1/apps/a/logs/sse?region=ams", std::chrono::minutes{5});
  CHECK(f.auth.check(request(url), true));
  CHECK(code_of(f.auth.check(request(url), false)) == errc::unauthorized);
}

TEST_CASE("an expired or tampered signed URL is forbidden") {
  fixture f;
  auto expired = sign_url("/v1/apps/a/logs/sse", f.key.reveal(), 10, unix_now() - 100);
  CHECK(code_of(f.auth.check(request(expired), true)) == errc::forbidden);
  auto url = f.auth.sign("/v1/apps/a/logs/sse", std::chrono::minutes{5});
  auto other_app = url;
  other_app.replace(other_app.find("/a/"), 3, "/b/");
  CHECK(code_of(f.auth.check(request(other_app), true)) == errc::forbidden);
  auto bad_sig = url.substr(0, url.find("sig=") + 4) + "AAAA";
  CHECK(code_of(f.auth.check(request(bad_sig), true)) == errc::forbidden);
  auto no_sig = url.substr(0, url.find("&sig="));
  CHECK(code_of(f.auth.check(request(no_sig), true)) == errc::forbidden);
}

TEST_CASE("a WebSocket's resume point is not part of the signature") {
  fixture f;
  auto url = f.auth.sign("/v1/apps/a/logs/ws", std::chrono::minutes{5});
  CHECK(f.auth.check(request(url + "&last_event_id=17-4"), true));
}

TEST_CASE("a session cookie admits, a tampered or expired one is forbidden") {
  fixture f;
  auto cookie = f.auth.session_cookie(std::chrono::hours{1}, false);
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("Secure") == std::string::npos);
  CHECK(f.auth.session_cookie(std::chrono::hours{1}, true).find("; Secure") != std::string::npos);
  auto value = cookie.substr(0, cookie.find(';'));
  CHECK(f.auth.check(request("/v1/apps", {{"Cookie", "theme=dark; " + value}}), false));
  auto tampered = value;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  CHECK(code_of(f.auth.check(request("/v1/apps", {{"Cookie", tampered}}), false)) == errc::forbidden);
  auto old = f.auth.session_cookie(-std::chrono::seconds{10}, false);
  CHECK(code_of(f.auth.check(request("/v1/apps", {{"Cookie", old.substr(0, old.find(';'))}}), false))
        == errc::forbidden);
}

TEST_CASE("the node secret is made once, 0600, and read back the same") {
  fixture f;
  auto path = (f.dir / "node_secret").string();
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = load_or_create_node_secret(path);
  REQUIRE(again);
  CHECK(again->reveal() == f.key.reveal());
  CHECK(f.key.reveal().size() == 32);
  std::ofstream{path} << "short\n";
  auto bad = load_or_create_node_secret(path);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == errc::storage_corrupt);
}
