#pragma once
// How a failed CAF request becomes an atlas::error, the same way at every
// call site: errors are values at the API, never CAF's raw codes.

#include <atlas/core/error.hpp>

#include <caf/fwd.hpp>

#include <string>
#include <string_view>

namespace atlas {

/// The error for a request about `what` (e.g. "compute c-1") that failed
/// with `e`: `request_timeout` → errc::timeout, "WHAT: no answer in time";
/// `request_receiver_down` → `down_code`, "WHAT: RECEIVER_DOWN"; anything
/// else → errc::internal with CAF's rendering of `e`.
error request_error(caf::actor_system& sys, const caf::error& e, const std::string& what,
                    std::string_view receiver_down = "not running", errc down_code = errc::shutdown);

} // namespace atlas
