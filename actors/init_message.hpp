#pragma once
// The start handshake (beyond OTP's start_link): an actor that answers
// (init_atom) with caf::ok_atom once it is ready, or with an error when it
// cannot start. Supervisors ask it before starting the next child; the actor
// itself knows nothing of who asks.

#include <caf/atom.hpp>

namespace atlas {

// Atoms are at most 10 characters in CAF 0.17.
using init_atom = caf::atom_constant<caf::atom("atlasinit")>;
constexpr init_atom init_atom_v{};

} // namespace atlas
