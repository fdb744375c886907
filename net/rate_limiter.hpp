#pragma once
// A client-side rate limiter: one token bucket per (action, resource), so
// Atlas under load keeps inside a provider's documented limits instead of
// provoking 429s (reference/fly_api.md: Machines actions 1 req/s with bursts
// of 3 per machine; Get Machine 5 req/s with bursts of 10).

#include <atlas/core/options.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace atlas {

/// The shape of one token bucket.
struct bucket_spec {
  double per_second = 1; ///< refill rate: requests per second
  double burst = 1;      ///< capacity: how many may go at once after a quiet spell
};

/// Token buckets per (action, resource); thread-safe.
class rate_limiter {
public:
  /// The clock the buckets refill by.
  using clock = std::chrono::steady_clock;

  /// `actions` names a bucket shape per action ("get_machine"); any other
  /// action uses `fallback`.
  explicit rate_limiter(std::map<std::string, bucket_spec, std::less<>> actions,
                        bucket_spec fallback = {});

  /// Takes a slot for one request of `action` on `resource` ("machine
  /// 1781…") and returns how long the caller must wait before sending it:
  /// zero when it may go now. Slots are reserved in call order, so callers
  /// that wait go out evenly spaced. Thread-safe.
  duration reserve(std::string_view action, std::string_view resource,
                   clock::time_point now = clock::now());

  /// For a server that enforces limits (the Fly simulator): takes a slot if
  /// one is free now and returns zero; else takes nothing and returns how
  /// long until one is (at least 1 ms). Thread-safe.
  duration try_take(std::string_view action, std::string_view resource,
                    clock::time_point now = clock::now());

  /// Buckets that refilled completely are forgotten; returns how many remain.
  std::size_t prune(clock::time_point now = clock::now());

private:
  struct bucket {
    double tokens;
    clock::time_point at;
    bucket_spec spec;
  };
  const bucket_spec& spec_for(std::string_view action) const;
  bucket& refilled(std::string_view action, std::string_view resource, clock::time_point now);

  std::map<std::string, bucket_spec, std::less<>> actions_;
  bucket_spec fallback_;
  std::mutex mtx_;
  std::map<std::string, bucket, std::less<>> buckets_;
};

} // namespace atlas
