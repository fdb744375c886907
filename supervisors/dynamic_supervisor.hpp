#pragma once
// A dynamic supervisor: children started on demand from one template
// (Elixir's DynamicSupervisor, OTP's simple_one_for_one), one_for_one.

#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/supervisor_flags.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>

namespace atlas {

/// Spawns a dynamic supervisor. Every child is started from `child_template`
/// (its id names the kind of child in logs; its factory receives the key).
/// It answers:
/// - (start_child_atom, key) → expected<caf::actor>: starts a child for `key`,
///   or returns the running child already started for it (resolve-or-start;
///   an empty key starts an anonymous child every time); errc::capacity at
///   `max_children` (0: no limit);
/// - (caf::get_atom, key) → expected<caf::actor>: the running child, or errc::not_found;
/// - (terminate_child_atom, key) → expected<void>: stops and forgets the child;
/// - (which_children_atom), (count_children_atom), (init_atom) as a supervisor does.
/// On shutdown it stops all children at once (OTP: in parallel, order
/// undefined), each kill after the template's shutdown timeout.
/// `flags.strategy` must be one_for_one; a bad template or flags are refused
/// with errc::validation.
expected<caf::actor> spawn_dynamic_supervisor(caf::actor_system& sys, supervisor_flags flags,
                                    child_spec child_template, std::uint32_t max_children = 0);

/// A child spec for a dynamic supervisor nested in another supervisor.
child_spec dynamic_supervisor_child(std::string id, supervisor_flags flags,
                                    child_spec child_template, std::uint32_t max_children = 0,
                                    restart_type restart = restart_type::permanent);

} // namespace atlas
