#include <atlas/supervisors/tokens_supervisor.hpp>

#include <atlas/actors/app_server.hpp>
#include <atlas/actors/token_cache_owner.hpp>
#include <atlas/actors/token_minter.hpp>
#include <atlas/actors/token_persister.hpp>
#include <atlas/actors/token_storage_owner.hpp>
#include <atlas/supervisors/dynamic_supervisor.hpp>
#include <atlas/supervisors/supervisor.hpp>

namespace atlas {

namespace {

using spawn_fn = caf::actor (*)(caf::actor_system&, std::shared_ptr<token_services>);

child_spec worker(std::string id, std::shared_ptr<token_services> svc, spawn_fn spawn) {
  child_spec spec;
  spec.id = std::move(id);
  spec.start = [svc, spawn](caf::actor_system& sys, const std::string&) -> expected<caf::actor> {
    return spawn(sys, svc);
  };
  return spec;
}

std::vector<child_spec> tokens_children(const std::shared_ptr<token_services>& svc,
                                        const supervisor_flags& flags) {
  std::vector<child_spec> children;
  children.push_back(worker("token_cache_owner", svc, spawn_token_cache_owner));
  auto storage = worker("token_storage_owner", svc, spawn_token_storage_owner);
  storage.init_handshake = true; // the subtree is up only once storage is open
  children.push_back(std::move(storage));
  children.push_back(worker("persist_workers", svc, spawn_token_persister));
  children.push_back(worker("token_minter", svc, spawn_token_minter));

  child_spec server;
  server.id = "app_server";
  server.start = [svc](caf::actor_system& sys, const std::string& app) -> expected<caf::actor> {
    return spawn_app_server(sys, svc, app);
  };
  supervisor_flags dyn;
  dyn.name = "app_servers";
  dyn.intensity = 20; // ExAtlas's DynamicSupervisor: 20 restarts in 60 s
  dyn.period = std::chrono::seconds{60};
  dyn.telemetry = flags.telemetry;
  children.push_back(on_started(dynamic_supervisor_child("app_servers", dyn, std::move(server)),
                                [svc](const caf::actor& h) { svc->publish(token_role::app_servers, h); }));
  return children;
}

} // namespace

supervisor_flags tokens_supervisor_flags() {
  supervisor_flags f;
  f.name = "tokens_sup";
  f.strategy = restart_strategy::rest_for_one;
  f.intensity = 3;
  f.period = std::chrono::seconds{5};
  return f;
}

child_spec tokens_supervisor_child(std::shared_ptr<token_services> svc, supervisor_flags flags) {
  auto children = tokens_children(svc, flags);
  return supervisor_child(flags.name, flags, std::move(children));
}

expected<caf::actor> start_tokens_supervisor(caf::actor_system& sys,
                                             std::shared_ptr<token_services> svc,
                                             supervisor_flags flags, duration deadline) {
  auto children = tokens_children(svc, flags);
  return start_supervisor(sys, std::move(flags), std::move(children), deadline);
}

} // namespace atlas
