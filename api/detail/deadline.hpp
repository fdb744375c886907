#pragma once
// The facades' blocking calls share one deadline across their requests.

#include <caf/timespan.hpp>

#include <algorithm>
#include <chrono>

namespace atlas::detail {

/// What is left of a deadline as a CAF request timeout: at least 1 ms, as
/// a request with no time left must still fail with request_timeout.
inline caf::timespan time_left(std::chrono::steady_clock::time_point until) {
  return std::max(caf::timespan{std::chrono::milliseconds{1}},
                  std::chrono::duration_cast<caf::timespan>(until - std::chrono::steady_clock::now()));
}

} // namespace atlas::detail
