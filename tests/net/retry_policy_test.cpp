// When the client sends a request again, and how long it waits.
#include "net_fixture.hpp"

#include <atlas/net/retry_policy.hpp>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

expected<http_response> status(int s, std::string retry_after = {}) {
  http_response r;
  r.status = s;
  if (!retry_after.empty())
    r.headers.emplace_back("Retry-After", retry_after);
  return r;
}

} // namespace

TEST_CASE("retry_delay: 429 and 5xx back off exponentially, less up to the jitter") {
  retry_policy p;
  p.max_attempts = 10;
  p.base_delay = 100ms;
  p.max_delay = 1s;
  p.jitter = 0.2;
  p.max_total = 1h;
  std::mt19937_64 rng{1};
  http_request get;
  for (int round = 0; round < 50; ++round) {
    for (std::uint32_t n = 1; n <= 6; ++n) {
      auto full = std::min<std::int64_t>(1000, 100 << (n - 1));
      for (int s : {429, 500, 503}) {
        auto d = retry_delay(p, n, get, status(s), 0ms, rng);
        REQUIRE(d);
        CHECK(d->count() <= full);
        CHECK(d->count() >= full * 8 / 10);
      }
    }
  }
}

TEST_CASE("retry_delay: other answers and 4xx are final at once") {
  retry_policy p;
  std::mt19937_64 rng{1};
  http_request get;
  for (int s : {200, 201, 302, 400, 401, 403, 404, 409, 422})
    CHECK_FALSE(retry_delay(p, 1, get, status(s), 0ms, rng));
}

TEST_CASE("retry_delay: attempts and total time are bounded") {
  retry_policy p;
  p.max_attempts = 3;
  p.base_delay = 100ms;
  p.max_total = 1s;
  std::mt19937_64 rng{1};
  http_request get;
  CHECK(retry_delay(p, 2, get, status(503), 0ms, rng));
  CHECK_FALSE(retry_delay(p, 3, get, status(503), 0ms, rng));
  CHECK_FALSE(retry_delay(p, 1, get, status(503), 950ms, rng));
}

TEST_CASE("retry_delay: Retry-After, in seconds or as an HTTP date, capped at max_delay") {
  retry_policy p;
  p.max_delay = 10s;
  p.max_total = 1h;
  std::mt19937_64 rng{1};
  http_request get;
  CHECK(retry_delay(p, 1, get, status(429, "3"), 0ms, rng) == duration{3s});
  CHECK(retry_delay(p, 1, get, status(503, "120"), 0ms, rng) == duration{10s});
  auto now = std::chrono::system_clock::from_time_t(1'795'000'000);
  CHECK(parse_retry_after("Wed, 18 Nov 2026 11:06:45 GMT", now) == duration{5s});
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == duration{0});
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("-1", now));
}

TEST_CASE("retry_delay: transport failures are retried only for idempotent requests") {
  retry_policy p;
  std::mt19937_64 rng{1};
  http_request get;
  http_request post;
  post.method = "POST";
  expected<http_response> reset = error{errc::transport, "connection reset"};
  CHECK(retry_delay(p, 1, get, reset, 0ms, rng));
  CHECK_FALSE(retry_delay(p, 1, post, reset, 0ms, rng));
  CHECK_FALSE(retry_delay(p, 1, get, expected<http_response>{error{errc::validation, "bad url"}}, 0ms, rng));
}

TEST_CASE("request_with_retry: 429 twice with Retry-After, then 200, over a real server") {
  std::atomic<int> calls{0};
  http_router r;
  r.add("GET", "/limited", [&](const http_server_request&, http_responder reply) {
    if (++calls <= 2) {
      auto res = http_server_response::error(429, "rate limited");
      res.headers.emplace_back("Retry-After", "0");
      return reply(std::move(res));
    }
    reply(http_server_response::json(200, {{"ok", true}}));
  });
  auto srv = serve(std::move(r));
  auto c = *http_client::create();
  std::promise<std::pair<expected<http_response>, std::uint32_t>> done;
  request_with_retry(*c, get(srv->base_url() + "/limited"), retry_policy{},
                     [&](expected<http_response> res, std::uint32_t n) {
                       done.set_value({std::move(res), n});
                     });
  auto f = done.get_future();
  REQUIRE(f.wait_for(default_deadline) == std::future_status::ready);
  auto [res, attempts] = f.get();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(attempts == 3);
}

TEST_CASE("request_with_retry: a 503 that persists gives up after max_attempts with the last answer") {
  std::atomic<int> calls{0};
  http_router r;
  r.add("GET", "/down", [&](const http_server_request&, http_responder reply) {
    ++calls;
    reply(http_server_response::error(503, "down"));
  });
  auto srv = serve(std::move(r));
  auto c = *http_client::create();
  retry_policy p;
  p.max_attempts = 3;
  p.base_delay = 10ms;
  std::promise<std::pair<expected<http_response>, std::uint32_t>> done;
  request_with_retry(*c, get(srv->base_url() + "/down"), p,
                     [&](expected<http_response> res, std::uint32_t n) {
                       done.set_value({std::move(res), n});
                     });
  auto f = done.get_future();
  REQUIRE(f.wait_for(default_deadline) == std::future_status::ready);
  auto [res, attempts] = f.get();
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(attempts == 3);
  CHECK(calls == 3);
}
