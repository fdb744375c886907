#pragma once
// The logs subtree (DESIGN.md §3), rest_for_one, children in start order:
//   cursor_table_owner  the cursor table's contents live as long as it does
//   dispatcher          topic → subscribers, eviction
//   streamers           dynamic, one log_streamer per topic, transient
// A streamer's crash restarts only it, from its stored cursor, and its
// subscribers (held by the dispatcher) keep receiving; a dispatcher's crash
// restarts the streamers too; the cursor table owner's, all three.

#include <atlas/actors/log_services.hpp>
#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/supervisor_flags.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace atlas {

/// rest_for_one, intensity 3 in 5 s (ExAtlas's StreamerSupervisor), named "logs_sup".
supervisor_flags logs_supervisor_flags();

/// The streamers' budget: generous (100 restarts in 60 s), so that one bad
/// app cannot take the others down with it.
supervisor_flags streamers_supervisor_flags();

/// The subtree as a child of a bigger tree (the runtime's Fly subtree), with id
/// `flags.name`; it publishes the dispatcher and the streamers' supervisor in
/// `svc` as they start.
child_spec logs_supervisor_child(std::shared_ptr<log_services> svc,
                                 supervisor_flags flags = logs_supervisor_flags());

/// For plain threads: starts the subtree alone and waits until it is up.
expected<caf::actor> start_logs_supervisor(caf::actor_system& sys, std::shared_ptr<log_services> svc,
                                           supervisor_flags flags = logs_supervisor_flags(),
                                           duration deadline = std::chrono::seconds{30});

/// The streamers' dynamic supervisor answers (start_child_atom, topic) →
/// expected<caf::actor> with the topic's running streamer, starting one if
/// there is none (race-free: one actor decides). Its current handle is
/// svc->handle(log_role::streamers).

} // namespace atlas
