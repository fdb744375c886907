#pragma once
// The compute registry (DESIGN.md §3: the orchestrator subtree's first
// child): what each tracked resource is, who tracks it and since when it
// is idle. The rows live outside the compute servers, so a server that
// crashes is restarted by its supervisor and picks up its row: the resource
// is neither destroyed nor forgotten (ExAtlas destroyed it, then tracked the
// corpse: defect 26).

#include <atlas/core/compute.hpp>
#include <atlas/core/options.hpp>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace atlas {

class orchestrator_services;

/// One tracked resource.
struct tracked_compute {
  compute resource; ///< the resource as spawn answered it; its status follows stop, start and termination
  std::string provider; ///< the registered provider's name
  std::string user_id{}; ///< whom spawn tracked it for; "" none
  duration idle_ttl{0}; ///< idle this long and the server terminates it
  duration heartbeat{0}; ///< how often its server checks the idle time: at most idle_ttl
  caf::actor_clock::time_point last_activity{}; ///< the last spawn or touch, on the actor clock
  caf::actor_clock::time_point tracked_since{}; ///< when the row was inserted, on the actor clock
  bool terminating = false;        ///< a server began terminating it (a restart goes on)
  std::string terminate_reason{};  ///< idle_timeout, stop_tracked, shutdown
  std::uint32_t server_starts = 0; ///< 1 + how often a crashed server was restarted
};

/// Thread-safe rows, id → tracked_compute, plus the names of resources being
/// spawned (the Reaper spares those: they exist before they are tracked).
class compute_registry {
public:
  /// False when `id` is already tracked.
  bool insert(const std::string& id, tracked_compute row);
  /// A copy of the row of `id`, if any.
  std::optional<tracked_compute> get(const std::string& id) const;
  /// True when `id` is tracked.
  bool contains(const std::string& id) const;
  /// Applies `change` to the row; false when there is none.
  bool update(const std::string& id, const std::function<void(tracked_compute&)>& change);
  /// Drops the row of `id`; false when there was none.
  bool erase(const std::string& id);
  /// Every tracked id, sorted.
  std::vector<std::string> ids() const;
  /// Copies of every row, ordered by id.
  std::vector<tracked_compute> rows() const;
  /// How many resources are tracked.
  std::size_t size() const;
  /// Drops every row and every name reservation.
  void clear();

  /// False when the name is being spawned already.
  bool reserve_name(const std::string& name);
  /// Ends the reservation of `name` (its spawn answered, either way).
  void release_name(const std::string& name);
  /// True while `name` is being spawned.
  bool name_reserved(const std::string& name) const;

private:
  mutable std::mutex mtx_;
  std::map<std::string, tracked_compute, std::less<>> rows_;
  std::set<std::string, std::less<>> spawning_;
};

/// Spawns the registry's actor (its rows are svc->registry). It answers:
/// - (compute_spawn_atom, provider, compute_request, user_id) → expected<compute>:
///   names the request with the safety prefix, writes the ownership mark,
///   asks the provider, tracks the resource and starts its compute server;
///   when the server cannot start, the fresh resource is terminated before
///   the error is returned — never left alive and untracked (defect 27);
/// - (caf::get_atom) → std::size_t, the number of tracked resources.
/// It empties leftover rows as it starts (their servers are gone: the
/// resources are orphans now, the Reaper's to find).
caf::actor spawn_compute_registry(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc);

} // namespace atlas
