#include <atlas/supervisors/orchestrator_supervisor.hpp>

#include <atlas/actors/compute_events.hpp>
#include <atlas/actors/compute_registry.hpp>
#include <atlas/actors/compute_server.hpp>
#include <atlas/actors/reaper.hpp>
#include <atlas/supervisors/dynamic_supervisor.hpp>
#include <atlas/supervisors/supervisor.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <caf/event_based_actor.hpp>

namespace atlas {

namespace {

constexpr auto kStartTimeout = std::chrono::seconds{30};

void install_start_server(const std::shared_ptr<orchestrator_services>& svc) {
  std::weak_ptr<orchestrator_services> weak = svc; // the services hold this function: no cycle
  svc->start_server = [weak](caf::event_based_actor* self, const std::string& id,
                             std::function<void(expected<void>)> then) {
    auto s = weak.lock();
    auto sup = s ? s->handle(orchestrator_role::servers) : caf::actor{};
    if (!sup)
      return then(error{errc::shutdown, "the compute servers' supervisor is not running"});
    self->request(sup, kStartTimeout, start_child_atom_v, id)
      .then([then](expected<caf::actor>& h) { then(h ? expected<void>{} : expected<void>{h.error()}); },
            [then, self](caf::error& e) {
              then(error{errc::shutdown, "starting the compute server: " + self->system().render(e)});
            });
  };
}

std::vector<child_spec> orchestrator_children(const std::shared_ptr<orchestrator_services>& svc,
                                              const supervisor_flags& flags) {
  install_start_server(svc);
  std::vector<child_spec> children;

  child_spec registry;
  registry.id = "compute_registry";
  registry.start = [svc](caf::actor_system& sys, const std::string&) -> expected<caf::actor> {
    return spawn_compute_registry(sys, svc);
  };
  children.push_back(on_started(std::move(registry),
                                [svc](const caf::actor& h) { svc->publish(orchestrator_role::registry, h); }));

  auto dyn = compute_servers_supervisor_flags();
  dyn.telemetry = flags.telemetry;
  auto servers = dynamic_supervisor_child("compute_servers", dyn, compute_server_child(svc));
  children.push_back(on_started(std::move(servers),
                                [svc](const caf::actor& h) { svc->publish(orchestrator_role::servers, h); }));

  child_spec events;
  events.id = "events";
  events.start = [](caf::actor_system& sys, const std::string&) -> expected<caf::actor> {
    return spawn_compute_event_dispatcher(sys);
  };
  children.push_back(on_started(std::move(events),
                                [svc](const caf::actor& h) { svc->publish(orchestrator_role::events, h); }));

  child_spec reaper;
  reaper.id = "reaper";
  reaper.start = [svc](caf::actor_system& sys, const std::string&) -> expected<caf::actor> {
    return spawn_reaper(sys, svc);
  };
  children.push_back(on_started(std::move(reaper),
                                [svc](const caf::actor& h) { svc->publish(orchestrator_role::reaper, h); }));
  return children;
}

} // namespace

supervisor_flags orchestrator_supervisor_flags() {
  supervisor_flags f;
  f.name = "orchestrator_sup";
  f.strategy = restart_strategy::rest_for_one;
  f.intensity = 3;
  f.period = std::chrono::seconds{5};
  return f;
}

supervisor_flags compute_servers_supervisor_flags() {
  supervisor_flags f;
  f.name = "compute_servers";
  f.intensity = 100;
  f.period = std::chrono::seconds{60};
  return f;
}

child_spec compute_server_child(std::shared_ptr<orchestrator_services> svc) {
  child_spec c;
  c.id = "compute_server";
  // Transient: an idle or stopped resource's server ends normally and stays
  // ended; a crashed one comes back and finds its row.
  c.restart = restart_type::transient;
  c.shutdown = shutdown_spec::after(svc->terminate_budget());
  c.start = [svc](caf::actor_system& sys, const std::string& id) -> expected<caf::actor> {
    if (id.empty())
      return error{errc::validation, "a compute server needs the id of a tracked resource"};
    return spawn_compute_server(sys, svc, id);
  };
  return c;
}

child_spec orchestrator_supervisor_child(std::shared_ptr<orchestrator_services> svc, supervisor_flags flags) {
  auto children = orchestrator_children(svc, flags);
  return supervisor_child(flags.name, flags, std::move(children));
}

expected<caf::actor> start_orchestrator_supervisor(caf::actor_system& sys,
                                                   std::shared_ptr<orchestrator_services> svc,
                                                   supervisor_flags flags, duration deadline) {
  auto children = orchestrator_children(svc, flags);
  return start_supervisor(sys, std::move(flags), std::move(children), deadline);
}

} // namespace atlas
