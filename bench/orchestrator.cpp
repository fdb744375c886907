// orchestrator: N resources tracked on the mock provider — resident memory
// per tracked resource (its registry row, its compute server, the mock's
// record) and the time of one Reaper pass over them. No OTP counterpart
// (bench_ref has none for this workload).

#include "bench_util.hpp"
#include "workloads.hpp"

#include <atlas/actors/mock_provider.hpp>
#include <atlas/api/orchestrator.hpp>

#include <caf/all.hpp>

#include <malloc.h>

namespace atlas::bench {

int orchestrator_tracked(int n) {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  options o;
  o.orchestrator.enabled = true;
  o.orchestrator.owner = "bench";
  auto svc = make_orchestrator_services(o);
  auto mock = spawn_mock_provider(sys);
  svc->add_provider("mock", mock);
  auto orch = orchestrator::start(sys, svc);
  if (!orch) {
    std::fprintf(stderr, "orchestrator: %s\n", to_string(orch.error()).c_str());
    return 1;
  }
  compute_request req;
  req.gpu = "h100";
  req.image = "bench/image:1";
  auto registry = svc->handle(orchestrator_role::registry);
  caf::scoped_actor bench{sys, true};
  malloc_trim(0);
  auto rss0 = rss_bytes();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto r = req;
    r.name = "r" + std::to_string(i);
    bench->send(registry, compute_spawn_atom_v, std::string{"mock"}, std::move(r), std::string{});
  }
  int tracked = 0;
  for (int i = 0; i < n; ++i)
    bench->receive([&](expected<compute>& c) { tracked += c ? 1 : 0; },
                   caf::after(std::chrono::seconds(60)) >> [] {});
  double secs = seconds_since(t0);
  malloc_trim(0);
  auto rss1 = rss_bytes();
  if (tracked != n || svc->registry->size() != static_cast<std::size_t>(n)) {
    std::fprintf(stderr, "orchestrator: only %d of %d resources tracked\n", tracked, n);
    return 1;
  }
  figure("orch_spawn_tracked", n / secs, "resources/s", "(n=" + std::to_string(n) + ", mock provider)");
  figure("orch_tracked_bytes", static_cast<double>(rss1 - rss0) / n, "bytes/resource",
         "(registry row + compute server + mock record; rss_before=" + std::to_string(rss0)
           + " rss_after=" + std::to_string(rss1) + ")");
  auto t1 = std::chrono::steady_clock::now();
  auto rep = orch->reap_now();
  double wall_ms = seconds_since(t1) * 1000.0;
  if (!rep || rep->spared_tracked != static_cast<std::uint32_t>(n)) {
    std::fprintf(stderr, "orchestrator: the Reaper pass failed or spared %u of %d\n",
                 rep ? rep->spared_tracked : 0u, n);
    return 1;
  }
  figure("orch_reap_pass_ms", wall_ms, "ms",
         "(list " + std::to_string(n) + " resources, all tracked: spared; in-actor " +
           std::to_string(rep->duration_us / 1000.0) + " ms)");
  auto t2 = std::chrono::steady_clock::now();
  (void) orch->stop(std::chrono::minutes{5});
  figure("orch_shutdown_terminate", n / seconds_since(t2), "resources/s",
         "(the subtree's stop terminates every tracked resource)");
  bench->send_exit(caf::actor_cast<caf::actor>(mock), caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace atlas::bench
