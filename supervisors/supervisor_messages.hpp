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
using which_children_atom = caf::atom_constant<caf::atom("whichchild")>;
using count_children_atom = caf::atom_constant<caf::atom("countchild")>;
using start_child_atom = caf::atom_constant<caf::atom("startchild")>;
using terminate_child_atom = caf::atom_constant<caf::atom("termchild")>;
using restart_child_atom = caf::atom_constant<caf::atom("restchild")>;
using delete_child_atom = caf::atom_constant<caf::atom("delchild")>;
constexpr which_children_atom which_children_atom_v{};
constexpr count_children_atom count_children_atom_v{};
constexpr start_child_atom start_child_atom_v{};
constexpr terminate_child_atom terminate_child_atom_v{};
constexpr restart_child_atom restart_child_atom_v{};
constexpr delete_child_atom delete_child_atom_v{};

/// Where a child is in its life.
enum class child_state : std::uint8_t {
  starting,    ///< started, waiting for its init handshake
  running,
  terminating, ///< asked to stop, waiting for it to go
  restarting,  ///< waiting for a retry or a back-off delay
  stopped,     ///< not running and not to be restarted (kept as a spec)
};
std::string_view to_string(child_state s) noexcept;

/// One row of which_children.
struct child_info {
  std::string id;
  caf::actor handle; ///< null unless starting, running or terminating
  child_type type = child_type::worker;
  child_state state = child_state::stopped;
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

  friend bool operator==(const child_counts&, const child_counts&) = default;
  template <class Inspector>
  friend auto inspect(Inspector& f, child_counts& x) {
    return f(x.specs, x.active, x.supervisors, x.workers);
  }
};

} // namespace atlas
