#pragma once
// The conformance suite every token_storage passes: Atlas's own and yours.
// Header-only and doctest-based; call it inside a TEST_CASE:
//
//   TEST_CASE("my storage conforms") {
//     atlas::check_token_storage_conformance([] { return std::make_unique<my_storage>(); });
//   }
//
// The factory must return a fresh, empty store each time it is called.

#include <atlas/storage/token_storage.hpp>

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace atlas {

/// Makes the store under test: a fresh, empty one on each call.
using token_storage_factory = std::function<std::unique_ptr<token_storage>()>;

/// Runs the suite as doctest subcases: empty reads, put/get round trips, replacement,
/// erase, independence of keys and apps, concurrent readers and writers. Call it inside a TEST_CASE.
inline void check_token_storage_conformance(const token_storage_factory& make) {
  using namespace std::chrono_literals;
  const auto exp = token_record::clock::time_point{} + 1'779'235'200s;
  const token_record cached{secret{"FlyV1 fm2_abcdefghijklmnopqrstuv=="}, token_source::cli, exp};
  const token_record manual{secret{"fo1_manualmanualmanualmanual"}, token_source::manual};

  SUBCASE("an empty store has nothing for any app or key") {
    auto s = make();
    REQUIRE(s);
    for (auto key : {token_key::cached, token_key::manual}) {
      auto r = s->get("demo", key);
      REQUIRE(r);
      CHECK_FALSE(r->has_value());
    }
  }
  SUBCASE("put then get returns the token, its source and its expiry unchanged") {
    auto s = make();
    REQUIRE(s->put("demo", token_key::cached, cached));
    auto r = s->get("demo", token_key::cached);
    REQUIRE(r);
    REQUIRE(r->has_value());
    CHECK(**r == cached);
  }
  SUBCASE("a manual token keeps its `never` expiry") {
    auto s = make();
    REQUIRE(s->put("demo", token_key::manual, manual));
    auto r = s->get("demo", token_key::manual);
    REQUIRE((r && r->has_value()));
    CHECK((*r)->expires_at == token_record::never);
    CHECK(**r == manual);
  }
  SUBCASE("put replaces the earlier record") {
    auto s = make();
    REQUIRE(s->put("demo", token_key::cached, cached));
    auto newer = cached;
    newer.value = secret{"fo1_newernewernewernewer"};
    REQUIRE(s->put("demo", token_key::cached, newer));
    CHECK(**s->get("demo", token_key::cached) == newer);
  }
  SUBCASE("erase removes the entry, and erasing an absent one succeeds") {
    auto s = make();
    REQUIRE(s->put("demo", token_key::cached, cached));
    REQUIRE(s->erase("demo", token_key::cached));
    CHECK_FALSE(s->get("demo", token_key::cached)->has_value());
    CHECK(s->erase("demo", token_key::cached));
    CHECK(s->erase("never-seen", token_key::manual));
  }
  SUBCASE("cached and manual entries of one app are independent") {
    auto s = make();
    REQUIRE(s->put("demo", token_key::cached, cached));
    REQUIRE(s->put("demo", token_key::manual, manual));
    REQUIRE(s->erase("demo", token_key::cached));
    CHECK_FALSE(s->get("demo", token_key::cached)->has_value());
    CHECK(**s->get("demo", token_key::manual) == manual);
  }
  SUBCASE("apps are independent, whatever their names") {
    auto s = make();
    const std::vector<std::string> apps{"a", "b", "app-with-dashes", std::string(200, 'x'),
                                        "ünïcödé"};
    for (auto& app : apps)
      REQUIRE(s->put(app, token_key::cached,
                     token_record{secret{"fo1_token_of_" + app}, token_source::config, exp}));
    for (auto& app : apps)
      CHECK((*s->get(app, token_key::cached))->value.reveal() == "fo1_token_of_" + app);
    CHECK_FALSE(s->get("c", token_key::cached)->has_value());
  }
  SUBCASE("concurrent writers and readers from several threads") {
    auto s = make();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&s, t, exp] {
        for (int i = 0; i < 50; ++i) {
          auto app = "app-" + std::to_string(t) + "-" + std::to_string(i);
          (void) s->put(app, token_key::cached,
                        token_record{secret{"fo1_" + app + "_xxxxxxxxxx"}, token_source::cli, exp});
          (void) s->get(app, token_key::cached);
        }
      });
    for (auto& th : threads)
      th.join();
    for (int t = 0; t < 4; ++t)
      for (int i = 0; i < 50; ++i) {
        auto app = "app-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = s->get(app, token_key::cached);
        REQUIRE((r && r->has_value()));
        CHECK((*r)->value.reveal() == "fo1_" + app + "_xxxxxxxxxx");
      }
  }
}

} // namespace atlas
