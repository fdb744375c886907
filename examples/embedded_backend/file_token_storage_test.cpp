// The backend's own token storage against Atlas's conformance suite, the
// installed header <atlas/storage/token_storage_conformance.hpp> — the same
// suite Atlas's LMDB and memory storages pass.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "file_token_storage.hpp"

#include <atlas/storage/token_storage_conformance.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace {

// One scratch directory per run, removed when the program ends.
struct scratch_dir {
  std::filesystem::path path = std::filesystem::temp_directory_path()
                               / ("file_token_storage_test." + std::to_string(::getpid()));
  scratch_dir() { std::filesystem::create_directories(path); }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::filesystem::path fresh_path() {
  static scratch_dir dir;
  static std::atomic<int> n{0};
  return dir.path / ("tokens-" + std::to_string(n++));
}

} // namespace

TEST_CASE("file_token_storage passes Atlas's token_storage conformance suite") {
  atlas::check_token_storage_conformance([] {
    auto s = backend::file_token_storage::open(fresh_path());
    REQUIRE(s);
    return std::unique_ptr<atlas::token_storage>{std::move(*s)};
  });
}

TEST_CASE("file_token_storage keeps its records across a reopen") {
  auto path = fresh_path();
  const atlas::token_record manual{atlas::secret{"fo1_reopenreopenreopen"}, atlas::token_source::manual};
  {
    auto s = backend::file_token_storage::open(path);
    REQUIRE(s);
    REQUIRE((*s)->put("app-1", atlas::token_key::manual, manual));
  }
  auto again = backend::file_token_storage::open(path);
  REQUIRE(again);
  auto r = (*again)->get("app-1", atlas::token_key::manual);
  REQUIRE((r && r->has_value()));
  CHECK(**r == manual);
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::others_read)
        == std::filesystem::perms::none);
}

TEST_CASE("file_token_storage refuses a file it did not write") {
  auto path = fresh_path();
  { std::ofstream{path} << "not a token store\n"; }
  auto s = backend::file_token_storage::open(path);
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == atlas::errc::persist_failed);
}
