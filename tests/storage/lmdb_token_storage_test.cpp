#include <atlas/storage/lmdb_token_storage.hpp>
#include <atlas/storage/token_storage_conformance.hpp>

#include "../support/fake_env.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace atlas;
using namespace std::chrono_literals;

namespace {

// A fresh directory under the system temp dir, removed afterwards.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("atlas-lmdb-test-" + std::to_string(rd()) + "-"
                                        + std::to_string(rd()));
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

void write_garbage(const fs::path& p) {
  std::ofstream out{p, std::ios::binary};
  std::mt19937 rng{42};
  for (int i = 0; i < 4096; ++i)
    out.put(static_cast<char>(rng()));
}

const token_record kCached{secret{"fo1_cachedcachedcachedcached"}, token_source::cli,
                           token_record::clock::time_point{} + 1'779'235'200s};
const token_record kManual{secret{"fo1_manualmanualmanualmanual"}, token_source::manual};

} // namespace

TEST_CASE("lmdb_token_storage passes the token storage conformance suite") {
  std::vector<std::unique_ptr<temp_dir>> dirs;
  check_token_storage_conformance([&dirs]() -> std::unique_ptr<token_storage> {
    dirs.push_back(std::make_unique<temp_dir>());
    auto s = lmdb_token_storage::open({.dir = dirs.back()->str()});
    REQUIRE(s);
    return std::move(*s);
  });
}

TEST_CASE("lmdb_token_storage keeps its tokens across a reopen") {
  temp_dir d;
  {
    auto s = lmdb_token_storage::open({.dir = d.str()});
    REQUIRE(s);
    REQUIRE((*s)->put("demo", token_key::cached, kCached));
    REQUIRE((*s)->put("demo", token_key::manual, kManual));
  }
  auto again = lmdb_token_storage::open({.dir = d.str()});
  REQUIRE(again);
  CHECK(**(*again)->get("demo", token_key::cached) == kCached);
  CHECK(**(*again)->get("demo", token_key::manual) == kManual);
}

TEST_CASE("lmdb_token_storage makes its directory 0700 and its files 0600") {
  temp_dir d;
  auto s = lmdb_token_storage::open({.dir = (d.path / "nested" / "store").string()});
  REQUIRE(s);
  auto dir = d.path / "nested" / "store";
  CHECK(mode_of(dir) == 0700);
  for (auto f : {"cached.mdb", "cached.mdb-lock", "manual.mdb", "manual.mdb-lock"})
    CHECK_MESSAGE(mode_of(dir / f) == 0600, f);
}

TEST_CASE("a corrupt cached store is recreated — the manual tokens survive") {
  temp_dir d;
  {
    auto s = lmdb_token_storage::open({.dir = d.str()});
    REQUIRE(s);
    REQUIRE((*s)->put("demo", token_key::cached, kCached));
    REQUIRE((*s)->put("demo", token_key::manual, kManual));
  }
  fs::remove(d.path / "cached.mdb-lock");
  write_garbage(d.path / "cached.mdb");
  auto s = lmdb_token_storage::open({.dir = d.str()});
  REQUIRE(s);
  CHECK_FALSE((*s)->get("demo", token_key::cached)->has_value());
  CHECK(**(*s)->get("demo", token_key::manual) == kManual);
  CHECK((*s)->put("demo", token_key::cached, kCached));
}

TEST_CASE("a corrupt manual store refuses to open, names the file, and is left untouched") {
  temp_dir d;
  {
    auto s = lmdb_token_storage::open({.dir = d.str()});
    REQUIRE(s);
  }
  auto manual = d.path / "manual.mdb";
  fs::remove(d.path / "manual.mdb-lock");
  write_garbage(manual);
  auto before = fs::file_size(manual);
  std::ifstream in1{manual, std::ios::binary};
  std::string content_before{std::istreambuf_iterator<char>{in1}, {}};
  auto s = lmdb_token_storage::open({.dir = d.str()});
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == errc::storage_corrupt);
  CHECK(s.error().message().find(manual.string()) != std::string::npos);
  CHECK(s.error().message().find("left untouched") != std::string::npos);
  REQUIRE(fs::exists(manual));
  CHECK(fs::file_size(manual) == before);
  std::ifstream in2{manual, std::ios::binary};
  CHECK(std::string{std::istreambuf_iterator<char>{in2}, {}} == content_before);
}

TEST_CASE("an unusable directory falls back to the fallback directory, which is then used") {
  temp_dir d;
  fs::create_directories(d.path);
  std::ofstream{d.path / "a-file"} << "not a directory";
  auto fallback = (d.path / "fallback").string();
  auto s = lmdb_token_storage::open({.dir = (d.path / "a-file" / "store").string(),
                                     .fallback_dir = fallback});
  REQUIRE(s);
  CHECK((*s)->fell_back());
  CHECK((*s)->directory() == fallback);
  CHECK((*s)->put("demo", token_key::cached, kCached));
  CHECK(fs::exists(fs::path{fallback} / "cached.mdb"));
}

TEST_CASE("when the fallback is unusable too, opening fails naming both") {
  temp_dir d;
  fs::create_directories(d.path);
  std::ofstream{d.path / "f"} << "x";
  auto s = lmdb_token_storage::open({.dir = (d.path / "f" / "a").string(),
                                     .fallback_dir = (d.path / "f" / "b").string()});
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == errc::persist_failed);
  CHECK(s.error().message().find("f/a") != std::string::npos);
  CHECK(s.error().message().find("f/b") != std::string::npos);
}

TEST_CASE("the default directory follows XDG_STATE_HOME, then HOME") {
  using env = std::map<std::string, std::string>;
  auto dir_for = [](env vars) { return default_token_storage_dir(atlas::test::fake_env(vars)); };
  CHECK(dir_for({{"XDG_STATE_HOME", "/s"}, {"HOME", "/h"}}) == "/s/atlas");
  CHECK(dir_for({{"HOME", "/h"}}) == "/h/.local/state/atlas");
  CHECK(dir_for({}).find("atlas-") != std::string::npos);
}

TEST_CASE("a token value never appears in a storage error") {
  temp_dir d;
  auto s = lmdb_token_storage::open({.dir = d.str()});
  REQUIRE(s);
  auto r = (*s)->put("", token_key::manual, kManual);
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("manualmanual") == std::string::npos);
}
