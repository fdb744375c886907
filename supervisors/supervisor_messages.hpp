#pragma once
// The messages a supervisor answers, and what it answers with.

#include <atlas/actors/init_message.hpp>
#include <atlas/supervisors/child_spec.hpp>

#include <caf/atom.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace atlas {

// Atoms are at most 10 characters in CAF 0.17.
/// (which_children_atom) → std::vector<child_info>: OTP's which_children.
using which_children_atom = caf::atom_constant<caf::atom("whichchild")>;
/// (count_children_atom) → child_counts: OTP's count_children.
using count_children_atom = caf::atom_constant<caf::atom("countchild")>;
/// (start_child_atom, key) → expected<caf::actor>: a dynamic supervisor's resolve-or-start.
using start_child_atom = caf::atom_constant<caf::atom("startchild")>;
/// (terminate_child_atom, id) → expected<void>: stops the child.
using terminate_child_atom = caf::atom_constant<caf::atom("termchild")>;
/// (restart_child_atom, id) → expected<caf::actor>: starts a stopped child again.
using restart_child_atom = caf::atom_constant<caf::atom("restchild")>;
/// (delete_child_atom, id) → expected<void>: forgets a stopped child.
using delete_child_atom = caf::atom_constant<caf::atom("delchild")>;
/// The value of which_children_atom, to send.
constexpr which_children_atom which_children_atom_v{};
/// The value of count_children_atom, to send.
constexpr count_children_atom count_children_atom_v{};
/// The value of start_child_atom, to send.
constexpr start_child_atom start_child_atom_v{};
/// The value of terminate_child_atom, to send.
constexpr terminate_child_atom terminate_child_atom_v{};
/// The value of restart_child_atom, to send.
constexpr restart_child_atom restart_child_atom_v{};
/// The value of delete_child_atom, to send.
constexpr delete_child_atom delete_child_atom_v{};

/// Where a child is in its life.
enum class child_state : std::uint8_t {
  starting,    ///< started, waiting for its init handshake
  running, ///< its init done (or none asked for), not asked to stop
  terminating, ///< asked to stop, waiting for it to go
  restarting,  ///< waiting for a retry or a back-off delay
  stopped,     ///< not running and not to be restarted (kept as a spec)
};
/// "starting", "running", "terminating", "restarting" or "stopped".
std::string_view to_string(child_state s) noexcept;

/// One row of which_children.
struct child_info {
  std::string id; ///< the spec's id, or a dynamic child's key
  caf::actor handle; ///< null unless starting, running or terminating
  child_type type = child_type::worker; ///< from its spec
  child_state state = child_state::stopped; ///< where it is in its life
  std::uint32_t restarts = 0; ///< how often this child was restarted

  template <class Inspector>
  friend auto inspect(Inspector& f, child_info& x) {
    return f(x.id, x.handle, x.type, x.state, x.restarts);
  }
};

/// count_children's answer, OTP's proplist as a struct.
struct child_counts {
  std::uint32_t specs = 0;       ///< children known, running or not
  std::uint32_t active = 0;      ///< children with a live process
  std::uint32_t supervisors = 0; ///< children of type supervisor
  std::uint32_t workers = 0;     ///< children of type worker

  /// True when every field is equal.
  friend bool operator==(const child_counts&, const child_counts&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, child_counts& x) {
    return f(x.specs, x.active, x.supervisors, x.workers);
  }
};

} // namespace atlas
