#include <atlas/actors/orchestrator_services.hpp>

#include <caf/actor_cast.hpp>

#include <unistd.h>

namespace atlas {

void orchestrator_services::add_provider(const std::string& name, provider_actor p) {
  std::lock_guard g{mtx_};
  providers_[name] = std::move(p);
}

void orchestrator_services::remove_provider(const std::string& name) {
  std::lock_guard g{mtx_};
  providers_.erase(name);
}

provider_actor orchestrator_services::provider(const std::string& name) const {
  std::lock_guard g{mtx_};
  auto it = providers_.find(name);
  return it == providers_.end() ? provider_actor{} : it->second;
}

std::vector<std::pair<std::string, provider_actor>> orchestrator_services::providers() const {
  std::lock_guard g{mtx_};
  return {providers_.begin(), providers_.end()};
}

std::string orchestrator_services::provider_names() const {
  std::lock_guard g{mtx_};
  std::string out;
  for (auto& [name, p] : providers_)
    out.append(out.empty() ? "" : ", ").append(name);
  return out.empty() ? "none" : out;
}

void orchestrator_services::publish(orchestrator_role r, caf::actor handle) {
  std::lock_guard g{mtx_};
  handles_[static_cast<std::size_t>(r)] = caf::actor_cast<caf::weak_actor_ptr>(handle);
}

caf::actor orchestrator_services::handle(orchestrator_role r) const {
  std::lock_guard g{mtx_};
  return caf::actor_cast<caf::actor>(handles_[static_cast<std::size_t>(r)]);
}

duration orchestrator_services::terminate_backoff(std::uint32_t attempt) const {
  if (attempt < 2)
    return duration{0};
  auto d = orch.terminate_backoff;
  for (std::uint32_t i = 2; i < attempt && d < std::chrono::hours{1}; ++i)
    d *= 2;
  return d;
}

duration orchestrator_services::terminate_budget() const {
  auto attempts = std::max<std::uint32_t>(orch.terminate_attempts, 1);
  duration total = orch.terminate_timeout * attempts;
  for (std::uint32_t a = 2; a <= attempts; ++a)
    total += terminate_backoff(a);
  return total + std::chrono::seconds{5};
}

std::string host_owner_id() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0')
    return "localhost";
  return buf;
}

std::shared_ptr<orchestrator_services> make_orchestrator_services(const options& opts,
                                                                  telemetry_sink* telemetry) {
  auto svc = std::make_shared<orchestrator_services>();
  svc->orch = opts.orchestrator;
  svc->owner = opts.orchestrator.owner.empty() ? host_owner_id() : opts.orchestrator.owner;
  svc->telemetry = telemetry;
  return svc;
}

} // namespace atlas
