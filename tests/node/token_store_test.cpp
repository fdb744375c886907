// The node's API bearer tokens (ExAtlas's Auth.Token, reference/exatlas.md §16.1).

#include <atlas/node/token_store.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/stat.h>

using namespace atlas;
namespace fs = std::filesystem;

namespace {

struct scratch {
  fs::path dir;
  scratch() {
    dir = fs::temp_directory_path() / ("atlas-node-tokens-" + std::to_string(std::random_device{}()));
  }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string file() const { return (dir / "store" / "node_tokens.json").string(); }
};

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

TEST_CASE("a created token is 43 base64url characters, stored only as its SHA-256") {
  scratch s;
  token_store store{s.file()};
  auto m = store.create("ci");
  REQUIRE(m);
  const auto& t = m->token.reveal();
  CHECK(t.size() == 43);
  CHECK(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        == std::string::npos);
  auto text = slurp(s.file());
  CHECK(text.find(t) == std::string::npos);
  CHECK(text.find(api_token_hash(t)) != std::string::npos);
  CHECK(api_token_hash(t).size() == 64);
  CHECK(m->info.id.starts_with("tok_"));
  CHECK(m->info.label == "ci");
}

TEST_CASE("the token file is 0600 in a 0700 directory") {
  scratch s;
  token_store store{s.file()};
  REQUIRE(store.create("a"));
  struct stat st{};
  REQUIRE(::stat(s.file().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((s.dir / "store").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("verify accepts a created token and refuses a wrong one") {
  scratch s;
  token_store store{s.file()};
  auto a = store.create("a");
  auto b = store.create("b");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(store.verify(a->token.reveal()) == a->info.id);
  CHECK(store.verify(b->token.reveal()) == b->info.id);
  CHECK_FALSE(store.verify("not-the-token"));
  CHECK_FALSE(store.verify(""));
  CHECK_FALSE(store.verify(api_token_hash(a->token.reveal()))); // the hash is no token
}

TEST_CASE("list shows ids and labels oldest first, and revoke takes effect for a running verifier") {
  scratch s;
  token_store node{s.file()}; // the running node
  token_store cli{s.file()};  // `atlas node token ...` in another process
  auto a = cli.create("first");
  auto b = cli.create("second");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(node.verify(a->token.reveal()));
  auto l = cli.list();
  REQUIRE(l);
  REQUIRE(l->size() == 2);
  CHECK((*l)[0].label == "first");
  CHECK((*l)[1].id == b->info.id);
  REQUIRE(cli.revoke(a->info.id));
  CHECK_FALSE(node.verify(a->token.reveal()));
  CHECK(node.verify(b->token.reveal()));
  auto gone = cli.revoke(a->info.id);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code() == errc::not_found);
}

TEST_CASE("a corrupt token file admits nobody and says so on list") {
  scratch s;
  token_store store{s.file()};
  auto a = store.create("a");
  REQUIRE(a);
  std::ofstream{s.file()} << "{ not json";
  CHECK_FALSE(store.verify(a->token.reveal()));
  auto l = store.list();
  REQUIRE_FALSE(l);
  CHECK(l.error().code() == errc::storage_corrupt);
}
