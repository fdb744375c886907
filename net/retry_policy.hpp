#pragma once
// When to send a request again (DESIGN.md §4.5, reference/fly_api.md): 429
// and 5xx are retried with exponential back-off and jitter, within a bounded
// number of attempts and a bounded total time, honouring Retry-After; other
// 4xx are final at once. Transport failures are retried only for requests
// that may be repeated.

#include <atlas/net/http_client.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace atlas {

/// How often and how soon a request is sent again (see retry_delay).
struct retry_policy {
  std::uint32_t max_attempts = 4; ///< including the first; 1: never retry
  duration base_delay = std::chrono::milliseconds{250}; ///< the first back-off; doubled each attempt
  duration max_delay = std::chrono::seconds{10};        ///< cap of a back-off, and of a Retry-After
  double jitter = 0.2;            ///< up to this share of a delay is taken off at random
  duration max_total = std::chrono::seconds{30}; ///< no retry would start after this
};

/// Retry-After as seconds ("120") or an HTTP-date, from `now`; nothing when
/// it is neither. A date in the past is zero.
std::optional<duration> parse_retry_after(std::string_view value,
                                          std::chrono::system_clock::time_point now =
                                            std::chrono::system_clock::now());

/// The wait before attempt `attempts_made + 1`, or nothing to stop:
/// - a 2xx/3xx answer, a 4xx other than 429, a non-retryable error: stop;
/// - 429 or 5xx: Retry-After if the answer has one (capped at max_delay),
///   else min(max_delay, base_delay × 2^(attempts_made − 1)) less up to
///   `jitter` of it;
/// - a transport error or timeout of an idempotent request: as 5xx;
/// - never when `attempts_made` reached max_attempts, or when `elapsed`
///   plus the wait would pass max_total.
std::optional<duration> retry_delay(const retry_policy& p, std::uint32_t attempts_made,
                                    const http_request& req,
                                    const expected<http_response>& outcome, duration elapsed,
                                    std::mt19937_64& rng);

/// Sends `req` through `client`, retrying by `p`; `done` gets the last
/// outcome (a response of any status, or the last error) on the client's
/// thread, with the number of attempts made. `before_retry`, when given, is
/// asked when a retry's back-off has passed and answers how much longer to
/// wait (a rate limiter's slot: a retry is a request like any other).
void request_with_retry(http_client& client, http_request req, retry_policy p,
                        std::function<void(expected<http_response>, std::uint32_t attempts)> done,
                        std::function<duration()> before_retry = {});

} // namespace atlas
