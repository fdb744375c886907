#pragma once
// What the actors of one orchestrator subtree share (DESIGN.md §3, §4.4):
// options, the registry's rows, the named providers, and the handles the
// subtree's children publish as they start (registry, event dispatcher,
// compute servers' supervisor, Reaper), so siblings and the facade find the
// current ones.

#include <atlas/actors/compute_registry.hpp>
#include <atlas/actors/provider.hpp>
#include <atlas/core/options.hpp>
#include <atlas/core/telemetry.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace atlas {

/// Starts the compute server of tracked `id`; `then` runs in `self`'s
/// context. The supervisors layer installs it (actors know no supervisor).
using start_server_function = std::function<void(caf::event_based_actor* self, const std::string& id,
                                                 std::function<void(expected<void>)> then)>;

/// The subtree's children that publish their handle; `count` is the number of roles.
enum class orchestrator_role : std::uint8_t { registry, events, servers, reaper, count };

/// What one orchestrator subtree's actors and its facade share, by shared_ptr.
/// The providers and the handles are guarded by a mutex; set the fields
/// before the subtree starts: its actors only read them.
class orchestrator_services {
public:
  orchestrator_options orch; ///< the [orchestrator] options: TTLs, timeouts, name prefix, Reaper settings
  /// The ownership mark (orch.owner, or the host name when that is empty).
  std::string owner;
  /// The tracked resources' rows, which outlive any compute server.
  std::shared_ptr<compute_registry> registry = std::make_shared<compute_registry>();
  telemetry_sink* telemetry = nullptr; ///< may be null; must outlive the subtree
  /// Installed when the subtree is built; while it is empty, spawns fail with errc::shutdown.
  start_server_function start_server;

  /// Registers (or replaces) a provider under `name`: "mock", "fly_machines", yours.
  void add_provider(const std::string& name, provider_actor p);
  /// Unregisters the provider `name`; nothing happens when there is none.
  void remove_provider(const std::string& name);
  /// The provider, or an invalid handle.
  provider_actor provider(const std::string& name) const;
  /// Every registered provider with its name, sorted by name.
  std::vector<std::pair<std::string, provider_actor>> providers() const;
  std::string provider_names() const; ///< "fly_machines, mock": for error messages

  /// Records `handle` as the current actor of `r` (weakly); the supervisors
  /// call it as each child starts.
  void publish(orchestrator_role r, caf::actor handle);
  /// The current actor of `r`, or an invalid handle when none is running.
  caf::actor handle(orchestrator_role r) const;

  /// How long a compute server may take to terminate its resource: every
  /// attempt's timeout plus every back-off, plus room. A server's shutdown
  /// timeout is this, so a supervisor never kills it while a slow provider
  /// is still answering (ExAtlas gave 5 s to a 30 s call: defect 25).
  duration terminate_budget() const;
  /// The back-off before attempt `attempt` (2, 3, ...).
  duration terminate_backoff(std::uint32_t attempt) const;

private:
  mutable std::mutex mtx_;
  std::map<std::string, provider_actor, std::less<>> providers_; // strong: providers are services
  // Weak: the actors hold these services (a strong handle would be a cycle).
  caf::weak_actor_ptr handles_[static_cast<std::size_t>(orchestrator_role::count)];
};

/// Services from `opts.orchestrator`; no provider registered yet.
std::shared_ptr<orchestrator_services> make_orchestrator_services(const options& opts,
                                                                  telemetry_sink* telemetry = nullptr);

/// This host's name ("localhost" when it has none): the default owner mark.
std::string host_owner_id();

} // namespace atlas
