// w6: crash -> restart throughput of one child under one_for_one, the work
// of ../shared/bench_ref/otp (crash_sup, crash_worker): the child tells the
// bench it started; the bench crashes it and waits for the new one.

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/supervisors/supervisor.hpp>

#include <caf/all.hpp>

namespace atlas::bench {

namespace {

using started_atom = caf::atom_constant<caf::atom("started")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;

caf::behavior crash_worker(caf::event_based_actor* self, caf::actor bench) {
  self->send(bench, started_atom::value, caf::actor{self});
  return {[self](crash_atom) { self->quit(caf::make_error(caf::sec::runtime_error, "crash")); }};
}

} // namespace

// The bench loop is an actor, as in the OTP reference (a process): crash the
// child, wait for its successor's `started`, repeat; report once at the end.
caf::behavior driver(caf::event_based_actor* self, int n, caf::actor report_to) {
  auto left = std::make_shared<int>(n);
  auto current = std::make_shared<caf::actor>();
  auto t0 = std::make_shared<std::chrono::steady_clock::time_point>();
  return {
    [=](started_atom, caf::actor& h) {
      bool first = !*current;
      *current = h;
      if (first)
        *t0 = std::chrono::steady_clock::now();
      else if (--*left == 0) {
        self->send(report_to, seconds_since(*t0));
        return;
      }
      self->send(h, crash_atom::value);
    },
  };
}

int w6_restart(int n, int period_s) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  caf::scoped_actor main_thread{sys};
  auto bench = sys.spawn(driver, n, caf::actor{main_thread});
  supervisor_flags flags;
  flags.name = "crash_sup";
  flags.intensity = static_cast<std::uint32_t>(n) * 10; // as the OTP reference
  flags.period = std::chrono::seconds{period_s};
  child_spec worker;
  worker.id = "crash_worker";
  worker.shutdown = shutdown_spec::after(std::chrono::seconds{1});
  worker.start = [bench](caf::actor_system& s, const std::string&) -> expected<caf::actor> {
    return s.spawn(crash_worker, bench);
  };
  auto sup = spawn_supervisor(sys, flags, {worker});
  if (!sup) {
    std::fprintf(stderr, "w6: %s\n", to_string(sup.error()).c_str());
    return 1;
  }
  int rc = 1;
  main_thread->receive(
    [&](double secs) {
      figure("w6_restart", n / secs, "restarts/s",
             "(n=" + std::to_string(n) + " secs=" + std::to_string(secs) + " intensity="
               + std::to_string(n * 10) + " period=" + std::to_string(period_s) + "s)");
      rc = 0;
    },
    caf::after(std::chrono::seconds(120)) >> [] { std::fprintf(stderr, "w6: timed out\n"); });
  (void) stop_supervisor(sys, *sup);
  caf::anon_send_exit(bench, caf::exit_reason::user_shutdown);
  return rc;
}

} // namespace atlas::bench
