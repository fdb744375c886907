// The test support itself: virtual time moves only when told, and the
// deadline waits return on the event, not on the deadline.
#include "deterministic_fixture.hpp"
#include "wait.hpp"

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;

namespace {

caf::behavior echo_after(caf::event_based_actor* self, caf::actor reply_to) {
  self->delayed_send(reply_to, 5min, caf::ok_atom_v);
  return {[](int x) { return x + 1; }};
}

} // namespace

TEST_CASE("a delayed message fires only when virtual time reaches it") {
  atlas::test::deterministic_fixture fx;
  fx.sys.spawn(echo_after, caf::actor{fx.self});
  fx.run();
  bool got = false;
  fx.self->receive([&](caf::ok_atom) { got = true; }, caf::after(0s) >> [] {});
  CHECK_FALSE(got);
  fx.advance(4min);
  fx.self->receive([&](caf::ok_atom) { got = true; }, caf::after(0s) >> [] {});
  CHECK_FALSE(got);
  fx.advance(1min);
  fx.self->receive([&](caf::ok_atom) { got = true; }, caf::after(0s) >> [] {});
  CHECK(got);
}

TEST_CASE("a request is answered once the scheduler runs") {
  atlas::test::deterministic_fixture fx;
  auto a = fx.sys.spawn(echo_after, caf::actor{fx.self});
  fx.self->send(a, 41);
  fx.run();
  int answer = 0;
  fx.self->receive([&](int x) { answer = x; }, caf::after(0s) >> [] {});
  CHECK(answer == 42);
  fx.self->send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("event::wait returns when another thread sets it and fails at the deadline") {
  atlas::test::event e;
  CHECK_FALSE(e.wait(10ms));
  std::thread t{[&] { e.set(); }};
  CHECK(e.wait());
  t.join();
}

TEST_CASE("wait_until sees a condition set by another thread and gives up at the deadline") {
  std::atomic<bool> flag{false};
  CHECK_FALSE(atlas::test::wait_until([&] { return flag.load(); }, 5ms));
  std::thread t{[&] { flag = true; }};
  CHECK(atlas::test::wait_until([&] { return flag.load(); }));
  t.join();
}
