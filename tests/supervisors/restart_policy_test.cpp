// The pure pieces: the intensity window, the back-off delay, child spec checks.
#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/restart_backoff.hpp>
#include <atlas/supervisors/restart_intensity.hpp>

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using namespace atlas;

TEST_CASE("restart_intensity allows `intensity` restarts within `period`, counting the edge") {
  restart_intensity w{2, 5s};
  restart_intensity::time_point t0{};
  CHECK(w.add(t0));
  CHECK(w.add(t0 + 1s));
  CHECK_FALSE(w.add(t0 + 5s)); // t0 is exactly `period` old: still in the window (OTP)
  restart_intensity w2{2, 5s};
  CHECK(w2.add(t0));
  CHECK(w2.add(t0 + 1s));
  CHECK(w2.add(t0 + 5001ms)); // t0 has slid out
  CHECK(w2.in_window() == 2);
}

TEST_CASE("restart_intensity keeps constant work per restart over a long history") {
  restart_intensity w{200000, 1s};
  restart_intensity::time_point t{};
  for (int i = 0; i < 1'000'000; ++i)
    REQUIRE(w.add(t += 10us));
  CHECK(w.in_window() == 100001); // one second's worth at 10 µs apart, both edges in
}

TEST_CASE("the back-off delay grows geometrically, caps at max and never drops below min") {
  backoff_spec b{.min = 100ms, .max = 1s, .multiplier = 2, .jitter = 0.5, .reset_after = 60s};
  CHECK(restart_backoff_delay(b, 0, 0) == 100ms);
  CHECK(restart_backoff_delay(b, 1, 0) == 200ms);
  CHECK(restart_backoff_delay(b, 3, 0) == 800ms);
  CHECK(restart_backoff_delay(b, 4, 0) == 1s);
  CHECK(restart_backoff_delay(b, 1000, 0) == 1s); // no overflow
  CHECK(restart_backoff_delay(b, 4, 0.999) >= 500ms);
  CHECK(restart_backoff_delay(b, 4, 0.999) < 1s);
  CHECK(restart_backoff_delay(b, 0, 0.999) == 100ms); // jitter never goes below min
}

TEST_CASE("child spec defaults follow OTP: 5 s for workers, infinity and a handshake for "
          "supervisors") {
  child_spec w;
  CHECK(w.effective_shutdown() == shutdown_spec::after(5s));
  CHECK_FALSE(w.effective_handshake());
  child_spec s;
  s.type = child_type::supervisor;
  CHECK(s.effective_shutdown() == shutdown_spec::infinity());
  CHECK(s.effective_handshake());
  CHECK(to_string(shutdown_spec::after(1500ms)) == "1s500ms");
  CHECK(to_string(shutdown_spec::brutal_kill()) == "brutal_kill");
  CHECK(to_string(restart_type::transient) == "transient");
}

TEST_CASE("validate names the child and the field that is wrong") {
  child_spec c{.id = "x"}; // constructed, not assigned: GCC 12's -Wrestrict misfires on `= "x"`
  CHECK(validate(c).error().message().find("start must be set") != std::string::npos);
  c.start = [](caf::actor_system&, const std::string&) -> expected<caf::actor> {
    return error{errc::internal, "unused"};
  };
  CHECK(validate(c));
  c.shutdown = shutdown_spec::after(0ms);
  CHECK(validate(c).error().message().find("child spec 'x': shutdown timeout") != std::string::npos);
  c.shutdown.reset();
  c.backoff = backoff_spec{.min = 2s, .max = 1s};
  CHECK_FALSE(validate(c));
}
