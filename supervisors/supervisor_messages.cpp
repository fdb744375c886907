#include <atlas/supervisors/supervisor_messages.hpp>

namespace atlas {

std::string_view to_string(child_state s) noexcept {
  switch (s) {
    case child_state::starting: return "starting";
    case child_state::running: return "running";
    case child_state::terminating: return "terminating";
    case child_state::restarting: return "restarting";
    case child_state::stopped: return "stopped";
  }
  return "invalid_child_state";
}

} // namespace atlas
