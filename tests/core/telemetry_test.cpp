#include <atlas/core/telemetry.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <thread>

namespace {

struct throwing_sink final : atlas::telemetry_sink {
  void handle(const atlas::telemetry_event&) override { throw std::runtime_error("sink down"); }
};

} // namespace

TEST_CASE("emit delivers the event with its labels redacted") {
  atlas::memory_telemetry_sink sink;
  atlas::emit(&sink, {"token.acquire",
                      {{"duration_us", 120}},
                      {{"app", "demo"}, {"source", "cli"}, {"oops", "Bearer fo1_leaked"}}});
  auto evs = sink.events("token.acquire");
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].label("app") == "demo");
  CHECK(evs[0].label("source") == "cli");
  CHECK(evs[0].label("oops") == "Bearer [REDACTED]");
  CHECK(evs[0].label("missing").empty());
  CHECK(evs[0].measurement("duration_us") == 120);
  CHECK(evs[0].measurement("missing") == 0);
}

TEST_CASE("a throwing sink never fails the caller, and a null sink is a no-op") {
  throwing_sink bad;
  CHECK_NOTHROW(atlas::emit(&bad, {"logs.fetch", {}, {}}));
  CHECK_NOTHROW(atlas::emit(nullptr, {"logs.fetch", {}, {}}));
}

TEST_CASE("the memory sink takes events from many threads and filters by name") {
  atlas::memory_telemetry_sink sink;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i)
        atlas::emit(&sink, {t % 2 ? "deploy.line" : "deploy.exit", {}, {}});
    });
  for (auto& th : threads)
    th.join();
  CHECK(sink.events().size() == 1000);
  CHECK(sink.events("deploy.line").size() == 500);
}
