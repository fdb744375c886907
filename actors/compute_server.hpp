#pragma once
// One tracked resource, one actor (ExAtlas's ComputeServer,
// reference/exatlas.md §17.2), keyed by the resource's id under the compute
// servers' dynamic supervisor. Its row lives in the registry, not here.
//
// - every row.heartbeat it checks the idle time: idle ≥ row.idle_ttl →
//   (terminating, idle_timeout), then it terminates the resource; else it
//   publishes (heartbeat, now);
// - (compute_touch_atom) → expected<void>: the idle time starts again;
// - (compute_stop_atom) / (compute_start_atom) → expected<void>: stops or
//   starts the resource through its provider (the tracked status follows,
//   and a status event says so); tracking goes on.
// It traps exits: a supervisor's shutdown (stop_tracked, the tree stopping)
// publishes (terminating, reason) and terminates the resource through its
// provider, with up to orchestrator.terminate_attempts calls, each capped
// by terminate_timeout, with doubling back-off between them; each failure
// publishes terminate_failed (`final` on the last, after which the row is
// dropped and the Reaper takes over). A crash terminates nothing: the
// supervisor restarts the server, which resumes from the row — even a
// termination in progress.

#include <atlas/actors/orchestrator_services.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace atlas {

/// errc::not_found when `id` has no row in svc->registry.
expected<caf::actor> spawn_compute_server(caf::actor_system& sys, std::shared_ptr<orchestrator_services> svc,
                                          const std::string& id);

/// Publishes one event of `id` on the dispatcher svc->handle(events), if any.
void publish_compute_event(const orchestrator_services& svc, const std::string& id, compute_event ev);

} // namespace atlas
