#include <atlas/core/expected.hpp>

#include "caf_roundtrip.hpp"
#include "../support/deterministic_fixture.hpp"

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <string>

using atlas::errc;
using atlas::error;
using atlas::expected;

namespace {

expected<int> parse_port(const std::string& s) {
  if (s.empty())
    return error{errc::validation, "port \"\": expected a number from 0 to 65535"};
  return std::stoi(s);
}

expected<void> check(bool ok) {
  if (!ok)
    return atlas::unexpected(error{errc::conflict, "lease held"});
  return {};
}

} // namespace

TEST_CASE("expected holds a value or an error and says which") {
  auto good = parse_port("4600");
  REQUIRE(good);
  CHECK(*good == 4600);
  CHECK(good.value_or(1) == 4600);
  auto bad = parse_port("");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == errc::validation);
  CHECK(bad.value_or(1) == 1);
  CHECK(check(true));
  CHECK(check(false).error().code() == errc::conflict);
}

TEST_CASE("expected<T> and expected<void> cross CAF serialisation in both states") {
  atlas::test::deterministic_fixture fx;
  expected<std::string> v{std::string{"hello"}};
  expected<std::string> e{error{errc::timeout, "late", 0, "fly"}};
  CHECK(atlas::test::caf_roundtrip(fx.sys, v) == v);
  auto e2 = atlas::test::caf_roundtrip(fx.sys, e);
  REQUIRE_FALSE(e2);
  CHECK(e2.error() == e.error());
  expected<void> ok;
  expected<void> failed{error{errc::persist_failed, "disk full"}};
  CHECK(atlas::test::caf_roundtrip(fx.sys, ok));
  CHECK(atlas::test::caf_roundtrip(fx.sys, failed).error().code() == errc::persist_failed);
}

TEST_CASE("an actor can answer a request with expected<T>") {
  atlas::test::deterministic_fixture fx;
  auto server = fx.sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](const std::string& s) { return parse_port(s); }};
  });
  fx.self->send(server, std::string{"80"});
  fx.self->send(server, std::string{});
  fx.run();
  std::vector<expected<int>> answers;
  for (int i = 0; i < 2; ++i)
    fx.self->receive([&](const expected<int>& r) { answers.push_back(r); },
                     caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(answers.size() == 2);
  CHECK(*answers[0] == 80);
  CHECK(answers[1].error().code() == errc::validation);
  fx.self->send_exit(server, caf::exit_reason::user_shutdown);
}
