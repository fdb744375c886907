#include <atlas/actors/deploy_services.hpp>

#include <caf/actor_cast.hpp>

namespace atlas {

void deploy_services::publish_runners(caf::actor handle) {
  std::lock_guard g{mtx_};
  runners_ = caf::actor_cast<caf::weak_actor_ptr>(handle);
}

caf::actor deploy_services::runners() const {
  std::lock_guard g{mtx_};
  return caf::actor_cast<caf::actor>(runners_);
}

std::shared_ptr<deploy_services> make_deploy_services(const options& opts, telemetry_sink* telemetry) {
  auto svc = std::make_shared<deploy_services>();
  svc->deploys = opts.deploys;
  svc->cli_path = opts.fly.cli_path;
  svc->telemetry = telemetry;
  if (opts.fly.access_token_set && !opts.fly.access_token.empty())
    svc->env.push_back("FLY_ACCESS_TOKEN=" + std::string{opts.fly.access_token.reveal()});
  return svc;
}

} // namespace atlas
