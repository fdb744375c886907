#include "deterministic_fixture.hpp"

#include <caf/atom.hpp>

namespace atlas::test {

deterministic_config::deterministic_config() {
  set("scheduler.policy", caf::atom("testing"));
  set("logger.inline-output", true);
}

deterministic_fixture::deterministic_fixture()
  : sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
}

deterministic_fixture::~deterministic_fixture() {
  // Let every actor see its pending messages (exit messages included) so the
  // system's destructor does not wait for work nobody will ever schedule.
  run();
}

std::size_t deterministic_fixture::run() {
  return sched.run();
}

std::size_t deterministic_fixture::advance(std::chrono::nanoseconds d) {
  sched.clock().advance_time(std::chrono::duration_cast<caf::timespan>(d));
  return sched.run();
}

caf::actor_clock::time_point deterministic_fixture::now() const {
  return sched.clock().now();
}

} // namespace atlas::test
