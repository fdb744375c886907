#pragma once
// The stable message shapes of DESIGN.md §4, announced to CAF in one place
// so they can cross CAF's network layer (caf::io). CAF 0.17 has no type-ID
// blocks: an actor_system_config announces each type by name, and both ends
// must announce the same names. Call this on every config that talks to an
// Atlas node remotely (and it does no harm locally).

#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace caf {
class actor_system_config;
}

namespace atlas {

/// Announces every type of the list below on `cfg`; returns `cfg`.
caf::actor_system_config& add_message_types(caf::actor_system_config& cfg);

/// The names announced, in order (for docs and a test).
std::vector<std::string> message_type_names();

} // namespace atlas
