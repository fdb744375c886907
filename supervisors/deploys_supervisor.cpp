#include <atlas/supervisors/deploys_supervisor.hpp>

#include <atlas/actors/deploy_runner.hpp>
#include <atlas/supervisors/dynamic_supervisor.hpp>

namespace atlas {

supervisor_flags deploys_supervisor_flags() {
  supervisor_flags f;
  f.name = "deploys";
  f.intensity = 100;
  f.period = std::chrono::seconds{60};
  return f;
}

child_spec deploy_runner_child(std::shared_ptr<deploy_services> svc) {
  child_spec c;
  c.id = "deploy_runner";
  c.restart = restart_type::temporary;
  c.shutdown = shutdown_spec::after(2 * svc->deploys.stop_grace + std::chrono::seconds{2});
  c.start = [svc](caf::actor_system& sys, const std::string& ticket) -> expected<caf::actor> {
    if (ticket.empty())
      return error{errc::validation, "a deploy needs a ticket"};
    return spawn_deploy_runner(sys, svc, ticket);
  };
  return c;
}

child_spec deploys_supervisor_child(std::shared_ptr<deploy_services> svc, supervisor_flags flags) {
  auto spec = dynamic_supervisor_child(flags.name, flags, deploy_runner_child(svc));
  spec.start = [svc, inner = spec.start](caf::actor_system& sys, const std::string& id) {
    auto h = inner(sys, id);
    if (h)
      svc->publish_runners(*h);
    return h;
  };
  return spec;
}

expected<caf::actor> start_deploys_supervisor(caf::actor_system& sys,
                                              std::shared_ptr<deploy_services> svc,
                                              supervisor_flags flags) {
  auto h = spawn_dynamic_supervisor(sys, std::move(flags), deploy_runner_child(svc));
  if (h)
    svc->publish_runners(*h);
  return h;
}

} // namespace atlas
