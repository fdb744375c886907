#pragma once
// The orchestrator subtree (DESIGN.md §3), opt-in (orchestrator.enabled),
// rest_for_one, children in start order:
//   compute_registry   the tracked rows, and the spawn-then-track path
//   compute_servers    dynamic, one compute_server per tracked resource, transient
//   events             the compute event dispatcher ("atlas:compute", "compute:<id>")
//   reaper             terminates orphans carrying both ownership marks
// A compute server's crash restarts only it, from its registry row; the
// dispatcher's crash restarts it and the Reaper, never the servers (whose
// shutdown would terminate their resources): events published meanwhile are
// lost and subscribers subscribe again; the registry's crash restarts
// everything. A server's shutdown timeout is svc->terminate_budget(): every
// terminate attempt fits in it.

#include <atlas/actors/orchestrator_services.hpp>
#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/supervisor_flags.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace atlas {

/// rest_for_one, intensity 3 in 5 s (ExAtlas's default), named "orchestrator_sup".
supervisor_flags orchestrator_supervisor_flags();

/// The compute servers' budget: generous (100 restarts in 60 s), so one bad
/// resource cannot take the others' tracking down.
supervisor_flags compute_servers_supervisor_flags();

/// The template child of "compute_servers": transient, shutdown terminate_budget().
child_spec compute_server_child(std::shared_ptr<orchestrator_services> svc);

/// For a parent tree (atlas_sup): the subtree as a child. It installs
/// svc->start_server and publishes each child's handle in svc as it starts.
child_spec orchestrator_supervisor_child(std::shared_ptr<orchestrator_services> svc,
                                         supervisor_flags flags = orchestrator_supervisor_flags());

/// For plain threads: starts the subtree alone and waits until it is up.
expected<caf::actor> start_orchestrator_supervisor(caf::actor_system& sys,
                                                   std::shared_ptr<orchestrator_services> svc,
                                                   supervisor_flags flags = orchestrator_supervisor_flags(),
                                                   duration deadline = std::chrono::seconds{30});

} // namespace atlas
