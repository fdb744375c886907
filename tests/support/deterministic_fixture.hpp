#pragma once
// CAF's deterministic scheduler with virtual time, for doctest
// (reference/runtime.md §1.11). Actor logic is tested here: no threads, no
// sleeps; time moves only when a test advances it.

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>

namespace atlas::test {

/// An actor_system_config for the `testing` scheduler.
struct deterministic_config : caf::actor_system_config {
  deterministic_config();
};

/// Owns an actor system on CAF's test_coordinator and a hidden scoped actor
/// `self` that tests use as a probe (non-matching messages stay queued).
struct deterministic_fixture {
  deterministic_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor self{sys, true};

  deterministic_fixture();
  ~deterministic_fixture();

  /// Runs every pending message to completion; returns how many ran.
  std::size_t run();
  /// Moves virtual time forward, fires what became due, then run()s.
  std::size_t advance(std::chrono::nanoseconds d);
  /// Virtual now.
  caf::actor_clock::time_point now() const;
};

} // namespace atlas::test
