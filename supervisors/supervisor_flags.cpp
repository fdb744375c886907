#include <atlas/supervisors/supervisor_flags.hpp>

namespace atlas {

std::string_view to_string(restart_strategy s) noexcept {
  switch (s) {
    case restart_strategy::one_for_one: return "one_for_one";
    case restart_strategy::rest_for_one: return "rest_for_one";
    case restart_strategy::one_for_all: return "one_for_all";
  }
  return "invalid_strategy";
}

std::string_view to_string(auto_shutdown a) noexcept {
  switch (a) {
    case auto_shutdown::never: return "never";
    case auto_shutdown::any_significant: return "any_significant";
    case auto_shutdown::all_significant: return "all_significant";
  }
  return "invalid_auto_shutdown";
}

} // namespace atlas
