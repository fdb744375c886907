#pragma once
// A static supervisor: a fixed list of children, OTP's supervisor exactly
// (docs/supervision.md has the semantics as a table).

#include <atlas/supervisors/child_spec.hpp>
#include <atlas/supervisors/supervisor_flags.hpp>
#include <atlas/supervisors/supervisor_messages.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <vector>

namespace atlas {

/// Spawns a supervisor that starts `children` in order. It answers:
/// - (init_atom) → ok_atom once every child has started, or an error when a
///   start failed (the supervisor then stops the started ones and exits);
/// - (which_children_atom) → std::vector<child_info>;
/// - (count_children_atom) → child_counts;
/// - (terminate_child_atom, id) → expected<void>: stops the child, keeps its spec
///   (a temporary child is removed);
/// - (restart_child_atom, id) → expected<caf::actor>: starts a stopped child;
/// - (delete_child_atom, id) → expected<void>: forgets a stopped child.
/// An exit message from anyone stops it: children in reverse start order,
/// each by its shutdown spec, then it exits with that reason. Invalid specs
/// or duplicate ids are refused here with errc::validation naming them.
expected<caf::actor> spawn_supervisor(caf::actor_system& sys, supervisor_flags flags,
                            std::vector<child_spec> children);

/// A child spec for a nested supervisor: type supervisor, shutdown infinity,
/// init handshake on (the parent moves on once this subtree is up).
child_spec supervisor_child(std::string id, supervisor_flags flags,
                            std::vector<child_spec> children,
                            restart_type restart = restart_type::permanent);

/// For plain threads: spawns the supervisor and waits until its children
/// have started or `deadline` passes. On failure the supervisor is gone and
/// the error says which child failed and why.
expected<caf::actor> start_supervisor(caf::actor_system& sys, supervisor_flags flags,
                                      std::vector<child_spec> children,
                                      duration deadline = std::chrono::seconds{30});

/// For plain threads: stops a supervisor (an exit with reason user_shutdown)
/// and waits until it has exited, its children stopped first. errc::timeout
/// when it is still running at the deadline.
expected<void> stop_supervisor(caf::actor_system& sys, const caf::actor& sup,
                               duration deadline = std::chrono::seconds{30});

} // namespace atlas
