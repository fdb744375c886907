// Token buckets per (action, resource), shaped like Fly's documented limits.
#include <atlas/net/rate_limiter.hpp>

#include <doctest/doctest.h>

using namespace atlas;
using namespace std::chrono_literals;

namespace {

rate_limiter fly_shaped() {
  return rate_limiter{{{"get_machine", {5, 10}}}, bucket_spec{1, 3}};
}

} // namespace

TEST_CASE("a burst goes at once, then requests are spaced at the rate") {
  auto rl = fly_shaped();
  auto t0 = rate_limiter::clock::now();
  for (int i = 0; i < 3; ++i)
    CHECK(rl.reserve("start_machine", "m1", t0) == 0ms);
  CHECK(rl.reserve("start_machine", "m1", t0) == 1000ms);
  CHECK(rl.reserve("start_machine", "m1", t0) == 2000ms);
}

TEST_CASE("the bucket refills at its rate, up to the burst") {
  auto rl = fly_shaped();
  auto t0 = rate_limiter::clock::now();
  for (int i = 0; i < 3; ++i)
    rl.reserve("stop_machine", "m1", t0);
  CHECK(rl.reserve("stop_machine", "m1", t0 + 1s) == 0ms);
  CHECK(rl.reserve("stop_machine", "m1", t0 + 1s) == 1000ms);
  // After a long quiet spell: the burst again, not more.
  auto later = t0 + 1h;
  for (int i = 0; i < 3; ++i)
    CHECK(rl.reserve("stop_machine", "m1", later) == 0ms);
  CHECK(rl.reserve("stop_machine", "m1", later) > 0ms);
}

TEST_CASE("buckets are per action and per resource") {
  auto rl = fly_shaped();
  auto t0 = rate_limiter::clock::now();
  for (int i = 0; i < 3; ++i)
    rl.reserve("start_machine", "m1", t0);
  CHECK(rl.reserve("start_machine", "m2", t0) == 0ms);
  CHECK(rl.reserve("stop_machine", "m1", t0) == 0ms);
}

TEST_CASE("Get Machine: 5 per second with bursts of 10") {
  auto rl = fly_shaped();
  auto t0 = rate_limiter::clock::now();
  for (int i = 0; i < 10; ++i)
    CHECK(rl.reserve("get_machine", "m1", t0) == 0ms);
  CHECK(rl.reserve("get_machine", "m1", t0) == 200ms);
  CHECK(rl.reserve("get_machine", "m1", t0) == 400ms);
}

TEST_CASE("prune forgets buckets that refilled") {
  auto rl = fly_shaped();
  auto t0 = rate_limiter::clock::now();
  rl.reserve("start_machine", "m1", t0);
  rl.reserve("start_machine", "m2", t0);
  CHECK(rl.prune(t0) == 2);
  CHECK(rl.prune(t0 + 10s) == 0);
}

TEST_CASE("try_take: a server's check takes a free slot, else takes nothing and says how long") {
  auto rl = fly_shaped();
  auto t0 = rate_limiter::clock::now();
  for (int i = 0; i < 3; ++i)
    CHECK(rl.try_take("stop_machine", "m1", t0) == 0ms);
  CHECK(rl.try_take("stop_machine", "m1", t0) == 1000ms);
  CHECK(rl.try_take("stop_machine", "m1", t0) == 1000ms); // a refusal costs nothing
  CHECK(rl.try_take("stop_machine", "m1", t0 + 500ms) == 500ms);
  CHECK(rl.try_take("stop_machine", "m1", t0 + 1s) == 0ms);
}
