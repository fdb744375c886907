#pragma once
// The orchestrator part of Atlas's facade (DESIGN.md §4.4, ExAtlas's
// Orchestrator, reference/exatlas.md §17.1): spawn tracked compute on a
// named provider, touch it, read it, stop tracking it (which terminates
// it), and call providers directly for untracked work. Blocking calls (with
// deadlines) for plain threads; the async overloads are for actors (their
// `then` runs in the calling actor's context). docs/orchestrator.md.

#include <atlas/actors/compute_events.hpp>
#include <atlas/actors/orchestrator_services.hpp>
#include <atlas/core/expected.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace atlas {

/// One tracked resource as the node and the dashboard show it (JSON: to_json).
struct compute_info {
  compute resource;             ///< the resource as tracked
  std::string provider;         ///< the provider's name ("mock", "fly_machines", yours)
  std::string user_id;          ///< who spawned it (free text; may be empty)
  std::int64_t idle_ms = 0;     ///< since the last touch (or the spawn)
  std::int64_t idle_ttl_ms = 0; ///< idle this long: terminated
  std::int64_t heartbeat_ms = 0; ///< between idle checks (heartbeat events)
  std::int64_t tracked_ms = 0;  ///< since tracking began
  bool terminating = false;     ///< its termination has begun
  std::string terminate_reason; ///< while terminating
  std::uint32_t server_starts = 0; ///< compute_server starts (1 + restarts)
};

/// JSON objects for HTTP answers; a bearer token is never included (only its hash).
std::string to_json(const compute& c);
/// The tracking fields of `i`, with its resource under "compute".
std::string to_json(const compute_info& i);
/// Every field of `r`, under its own name.
std::string to_json(const reap_report& r);
/// `{"id": id, "event": kind}` plus the fields of that kind ("error" for the failure).
std::string to_json(const compute_event& ev, const std::string& id);
/// A compute request from a JSON object with compute_request's field names
/// (lists as arrays, maps as objects, ports as [{"port":8000,"protocol":"http"}]
/// or "8000/http"); errc::validation naming the bad or unknown field.
expected<compute_request> compute_request_from_json(const std::string& text);

/// A handle on a running orchestrator subtree; cheap to copy, thread-safe.
/// Its actor system must outlive it. Default-constructed: every call answers
/// errc::unsupported (orchestrator.enabled = false).
class orchestrator {
public:
  orchestrator() = default;
  /// Starts the subtree alone in `sys` (CLI, tests); providers are the ones
  /// registered in `svc` (add_provider) — later registrations count too.
  static expected<orchestrator> start(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc);
  /// A facade over a subtree started elsewhere (orchestrator_supervisor_child).
  orchestrator(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc, caf::actor supervisor = {});

  /// Spawns on `provider` and tracks the result; the name gets the safety
  /// prefix and the request the ownership mark. errc::not_found for an
  /// unknown provider; the provider's error as it is; when tracking fails
  /// the resource is terminated and the error says so.
  expected<compute> spawn(const std::string& provider, const compute_request& req, const std::string& user_id = {},
                          duration deadline = {}) const;
  /// The idle time starts again. errc::not_found when `id` is not tracked.
  expected<void> touch(const std::string& id, duration deadline = std::chrono::seconds{10}) const;
  /// errc::not_found when `id` is not tracked. No actor hop: read from the registry.
  expected<compute_info> info(const std::string& id) const;
  /// Every tracked resource, sorted by id.
  std::vector<compute_info> list() const;
  /// The tracked ids, sorted.
  std::vector<std::string> list_ids() const;
  /// Stops tracking `id` and terminates its resource (every attempt of the
  /// terminate budget); returns once the server is gone. errc::not_found
  /// when not tracked. A failure to terminate is a terminate_failed event,
  /// and the Reaper's to clean up.
  expected<void> stop_tracked(const std::string& id, duration deadline = {}) const;
  /// Stops / starts a tracked resource through its own provider; tracking
  /// (and the idle clock) goes on, and the tracked status follows.
  expected<void> stop_resource(const std::string& id, duration deadline = std::chrono::seconds{60}) const;
  /// Starts a stopped tracked resource through its own provider.
  expected<void> start_resource(const std::string& id, duration deadline = std::chrono::seconds{60}) const;
  /// One Reaper pass now.
  expected<reap_report> reap_now(duration deadline = std::chrono::minutes{2}) const;

  /// Events as (compute_event_atom, id, compute_event): of every resource
  /// when `id` is empty (topic "atlas:compute"), else of that one.
  expected<void> subscribe(const caf::actor& subscriber, const std::string& id = {}) const;
  /// Ends a subscribe() of `subscriber` (same `id`).
  expected<void> unsubscribe(const caf::actor& subscriber, const std::string& id = {}) const;
  /// Callback mode: `cb` runs on the dispatcher's thread; `key` names it for unsubscribe.
  expected<void> subscribe(compute_callback cb, std::uint64_t key, const std::string& id = {}) const;

  // Untracked provider calls (what `atlas compute list|terminate` use).
  /// The provider registered under `name`; errc::not_found naming the known ones.
  expected<provider_actor> provider(const std::string& name) const;
  /// The provider's resources matching `f`, tracked or not.
  expected<std::vector<compute>> list_compute(const std::string& provider, const compute_filter& f = {},
                                              duration deadline = std::chrono::seconds{60}) const;
  /// One resource as the provider reports it now.
  expected<compute> get_compute(const std::string& provider, const std::string& id,
                                duration deadline = std::chrono::seconds{60}) const;
  /// Terminates a resource through `provider`, tracked or not (untracked work).
  expected<void> terminate(const std::string& provider, const std::string& id,
                           duration deadline = std::chrono::seconds{60}) const;

  // For actors: `then` runs in `self`'s context; nothing blocks.
  /// spawn() for actors: `then` runs in `self`'s context.
  void spawn(caf::event_based_actor* self, const std::string& provider, const compute_request& req,
             const std::string& user_id, std::function<void(expected<compute>)> then) const;
  /// touch() for actors.
  void touch(caf::event_based_actor* self, const std::string& id, std::function<void(expected<void>)> then) const;
  /// stop_tracked() for actors.
  void stop_tracked(caf::event_based_actor* self, const std::string& id,
                    std::function<void(expected<void>)> then) const;

  /// Stops the subtree if start() started it (tracked resources are terminated).
  expected<void> stop(duration deadline = {}) const;

  /// The subtree's supervisor when start() started it; null otherwise.
  const caf::actor& supervisor() const noexcept { return sup_; }
  /// The services the subtree shares (providers, registry, options).
  const std::shared_ptr<orchestrator_services>& services() const noexcept { return svc_; }

private:
  caf::actor_system* sys_ = nullptr;
  std::shared_ptr<orchestrator_services> svc_;
  caf::actor sup_;
  bool owned_ = false;
};

} // namespace atlas
