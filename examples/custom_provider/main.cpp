// The custom provider in use: register it next to the built-in ones, spawn
// tracked compute on it, watch its events, and let Atlas terminate it.
#include "pool_provider.hpp"

#include <atlas/api/orchestrator.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <cstdio>

int main() {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};

  atlas::options opts;
  opts.orchestrator.enabled = true;
  opts.orchestrator.owner = "example-node";
  auto svc = atlas::make_orchestrator_services(opts);
  auto pool = atlas::spawn_provider(sys, std::make_shared<example::pool_provider>(std::vector<example::pool_machine>{
                                             {"gpu-box-1.lan", "a100_80g", "rack-a"},
                                             {"gpu-box-2.lan", "l40s", "rack-b"}}));
  svc->add_provider("pool", pool);

  auto orch = atlas::orchestrator::start(sys, svc);
  if (!orch) {
    std::fprintf(stderr, "orchestrator: %s\n", atlas::to_string(orch.error()).c_str());
    return 1;
  }
  std::atomic<int> events{0};
  if (auto sub = orch->subscribe([&events](const std::string&, const atlas::compute_event&) { ++events; }, 1); !sub) {
    std::fprintf(stderr, "subscribe: %s\n", atlas::to_string(sub.error()).c_str());
    return 1;
  }

  atlas::compute_request req;
  req.gpu = "l40s";
  req.image = "my/worker:1";
  req.name = "render";
  req.ports = {atlas::port_spec{22, atlas::port_protocol::tcp}};
  auto c = orch->spawn("pool", req);
  if (!c) {
    std::fprintf(stderr, "spawn: %s\n", atlas::to_string(c.error()).c_str());
    return 1;
  }
  std::printf("spawned %s (%s) on %s\n", c->id.c_str(), c->name.c_str(), c->public_ip.c_str());
  auto info = orch->info(c->id);
  std::printf("tracked: %s\n", info ? atlas::to_json(*info).c_str() : "no");
  auto stopped = orch->stop_tracked(c->id);
  std::printf("stop_tracked: %s\n", stopped ? "ok" : atlas::to_string(stopped.error()).c_str());
  auto left = orch->list_compute("pool");
  std::printf("pool resources left: %zu\n", left ? left->size() : 0);
  auto done = orch->stop();
  caf::anon_send_exit(caf::actor_cast<caf::actor>(pool), caf::exit_reason::user_shutdown);
  return stopped && done && left && left->empty() ? 0 : 1;
}
