#include <atlas/actors/token_cache.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <thread>

using namespace atlas;
using namespace std::chrono_literals;

namespace {

token_record record(const std::string& value, token_cache::clock::time_point exp) {
  return token_record{secret{value}, token_source::config, exp};
}

} // namespace

TEST_CASE("the cache returns what was put, until it expires") {
  token_cache cache;
  auto now = token_cache::clock::now();
  CHECK_FALSE(cache.get("demo", now));
  cache.put("demo", record("fo1_demo", now + 1h));
  auto r = cache.get("demo", now);
  REQUIRE(r);
  CHECK(r->value.reveal() == "fo1_demo");
  CHECK(r->source == token_source::config);
  CHECK(cache.get("demo", now + 59min));
  CHECK_FALSE(cache.get("demo", now + 1h)); // expired at expires_at
  CHECK_FALSE(cache.get("other", now));
}

TEST_CASE("get without a time uses the coarse clock, which follows the wall clock") {
  token_cache cache;
  auto coarse = token_cache::coarse_now();
  auto precise = token_cache::clock::now();
  CHECK(precise - coarse < 1s);
  CHECK(coarse - precise < 1s);
  cache.put("demo", record("fo1_demo", precise + 1h));
  cache.put("old", record("fo1_old", precise - 1s));
  CHECK(cache.get("demo"));
  CHECK_FALSE(cache.get("old"));
}

TEST_CASE("put replaces, erase removes, size counts apps with a record") {
  token_cache cache;
  auto now = token_cache::clock::now();
  cache.put("a", record("fo1_one", token_record::never));
  cache.put("a", record("fo1_two", token_record::never));
  CHECK(cache.get("a", now)->value.reveal() == "fo1_two");
  cache.put("b", record("fo1_b", token_record::never));
  CHECK(cache.size() == 2);
  cache.erase("a");
  cache.erase("a");
  cache.erase("never-there");
  CHECK_FALSE(cache.get("a", now));
  CHECK(cache.size() == 1);
  cache.put("a", record("fo1_three", token_record::never)); // the app comes back
  CHECK(cache.get("a", now)->value.reveal() == "fo1_three");
}

TEST_CASE("thousands of apps stay reachable as the index grows") {
  token_cache cache;
  auto now = token_cache::clock::now();
  for (int i = 0; i < 5000; ++i)
    cache.put("app-" + std::to_string(i), record("fo1_" + std::to_string(i), token_record::never));
  for (int i = 0; i < 5000; ++i) {
    auto r = cache.get("app-" + std::to_string(i), now);
    REQUIRE(r);
    CHECK(r->value.reveal() == "fo1_" + std::to_string(i));
  }
  CHECK(cache.size() == 5000);
}

TEST_CASE("readers on other threads see whole records while a writer replaces and erases them") {
  // Under AddressSanitizer this also proves nothing is freed while read.
  token_cache cache;
  constexpr int apps = 64;
  auto now = token_cache::clock::now();
  for (int i = 0; i < apps; ++i)
    cache.put("app-" + std::to_string(i), record("app-" + std::to_string(i) + "#0", token_record::never));
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0}, torn{0};
  auto reader = [&](unsigned seed) {
    std::mt19937 rng{seed};
    while (!stop.load(std::memory_order_relaxed)) {
      auto app = "app-" + std::to_string(rng() % apps);
      if (auto r = cache.get(app, now)) {
        // Every value an app ever holds starts with the app's own name.
        if (r->value.reveal().rfind(app + "#", 0) != 0)
          ++torn;
      }
      ++reads;
    }
  };
  std::thread r1{reader, 1u}, r2{reader, 2u};
  std::mt19937 rng{3};
  for (int v = 1; v <= 20000; ++v) {
    auto app = "app-" + std::to_string(rng() % apps);
    if (v % 7 == 0)
      cache.erase(app);
    else
      cache.put(app, record(app + "#" + std::to_string(v) + std::string(v % 50, 'x'),
                            token_record::never));
  }
  stop = true;
  r1.join();
  r2.join();
  CHECK(torn.load() == 0);
  CHECK(reads.load() > 0);
}
