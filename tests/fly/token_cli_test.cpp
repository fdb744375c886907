// `fly tokens create readonly` against stand-in `fly` scripts.
#include <atlas/fly/token_cli.hpp>

#include "../support/sample_tokens.hpp"

#include "../support/stand_in_fly.hpp"
#include "../support/wait.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace atlas;
using atlas::test::stand_in;
using namespace std::chrono_literals;

namespace {

const std::string kToken =
  "FlyV1 " + atlas::test::sample_macaroon_1 + "," + atlas::test::sample_macaroon_2;

struct result_box {
  std::mutex mtx;
  std::optional<expected<secret>> value;
  atlas::test::event done;
  std::function<void(expected<secret>)> sink() {
    return [this](expected<secret> r) {
      {
        std::lock_guard g{mtx};
        value = std::move(r);
      }
      done.set();
    };
  }
};

} // namespace

TEST_CASE("the token comes from stdout only — flyctl's notices on stderr are ignored") {
  stand_in fly{"echo 'A new version of flyctl is available: FlyV1 fm2_notatokenbutlongenough' >&2\n"
               "echo \"$@\" > \"$(dirname \"$0\")/argv\"\n"
               "echo '" + kToken + "'"};
  process_runner runner;
  result_box box;
  REQUIRE(mint_readonly_token(runner, {fly.path(), "acme", 5s}, box.sink()));
  REQUIRE(box.done.wait());
  REQUIRE(*box.value);
  CHECK(box.value->value().reveal() == kToken.substr(6));
  std::ifstream argv{fly.dir / "argv"};
  std::string args;
  std::getline(argv, args);
  CHECK(args == "tokens create readonly --org acme");
}

TEST_CASE("a late CLI is killed at the timeout, with its children") {
  stand_in fly{"sleep 300 & echo $! > \"$(dirname \"$0\")/child\"; wait"};
  process_runner runner;
  result_box box;
  auto h = mint_readonly_token(runner, {fly.path(), "acme", 300ms}, box.sink());
  REQUIRE(h);
  REQUIRE(box.done.wait());
  REQUIRE_FALSE(*box.value);
  CHECK(box.value->error().code() == errc::timeout);
  CHECK(box.value->error().message().find("killed") != std::string::npos);
  CHECK(::kill(h->pid(), 0) != 0);
  std::ifstream in{fly.dir / "child"};
  int child = 0;
  in >> child;
  REQUIRE(child > 0);
  CHECK(atlas::test::wait_until([&] { return ::kill(child, 0) != 0; }));
}

TEST_CASE("a failing CLI is errc::exit_status with the end of its stderr, redacted") {
  stand_in fly{"echo 'Error: not authorized for org acme' >&2\n"
               "echo 'debug: sent Authorization: Bearer fo1_leakedleakedleaked' >&2\nexit 1"};
  process_runner runner;
  result_box box;
  REQUIRE(mint_readonly_token(runner, {fly.path(), "acme", 5s}, box.sink()));
  REQUIRE(box.done.wait());
  REQUIRE_FALSE(*box.value);
  auto& e = box.value->error();
  CHECK(e.code() == errc::exit_status);
  CHECK(e.message().find("exited with status 1") != std::string::npos);
  CHECK(e.message().find("not authorized for org acme") != std::string::npos);
  CHECK(e.message().find("leaked") == std::string::npos);
}

TEST_CASE("stdout without a valid token is refused with errc::validation") {
  stand_in fly{"echo 'fm2_truncated'"};
  process_runner runner;
  result_box box;
  REQUIRE(mint_readonly_token(runner, {fly.path(), "acme", 5s}, box.sink()));
  REQUIRE(box.done.wait());
  REQUIRE_FALSE(*box.value);
  CHECK(box.value->error().code() == errc::validation);
  CHECK(box.value->error().message().find("truncated") != std::string::npos);
  CHECK(box.value->error().message().find("fm2_truncated") == std::string::npos);
}

TEST_CASE("no org is refused at once, naming both ways to give one") {
  process_runner runner;
  result_box box;
  auto r = mint_readonly_token(runner, {"fly", "", 5s}, box.sink());
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::validation);
  CHECK(r.error().message().find("fly.org") != std::string::npos);
  CHECK(r.error().message().find("FLY_ORG") != std::string::npos);
}

TEST_CASE("a missing fly is errc::not_found at once, not a crash") {
  process_runner runner;
  result_box box;
  auto r = mint_readonly_token(runner, {"/nonexistent/fly", "acme", 5s}, box.sink());
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::not_found);
  CHECK_FALSE(box.done.is_set());
}
