#pragma once
// What the simulator's test suites share: one fixed instant and the JSON
// of a response body.

#include <atlas/net/http_message.hpp>

#include <boost/json.hpp>

#include <cstdint>

namespace atlas::sim_test {

/// 2026-05-20T00:00:00Z in nanoseconds: the log entries' fixed timeline.
inline constexpr std::int64_t t0 = 1779235200000000000;

/// The body of `r` as JSON (throws on a body that is not JSON: a test failure).
inline boost::json::value body_of(const http_response& r) {
  return boost::json::parse(r.body);
}

} // namespace atlas::sim_test
