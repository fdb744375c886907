#pragma once
// The start handshake (beyond OTP's start_link): an actor that answers
// (init_atom) with caf::ok_atom once it is ready, or with an error when it
// cannot start. Supervisors ask it before starting the next child; the actor
// itself knows nothing of who asks.

#include <caf/atom.hpp>

namespace atlas {

// Atoms are at most 10 characters in CAF 0.17.
/// (init_atom) → caf::ok_atom once the actor is ready, or the error that keeps it from starting.
using init_atom = caf::atom_constant<caf::atom("atlasinit")>;
/// The value of init_atom, to send.
constexpr init_atom init_atom_v{};

} // namespace atlas
