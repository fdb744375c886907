#pragma once
// The simulated apps' logs (reference/fly_api.md §2): lines made up at a
// steady rate per app, or appended by tests, kept in time order with 64-bit
// nanosecond timestamps. Some lines share a timestamp on purpose, as Fly's
// do, so clients must not take a timestamp for an identity.

#include <atlas/core/log_entry.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace atlas::sim {

/// Which of an app's lines to read.
struct log_query {
  std::int64_t from_ns = 0; ///< lines at or after this instant; 0: the latest `limit` lines
  std::string region{};     ///< only this region ("": all)
  std::string instance{};   ///< only this machine ("": all)
  std::size_t limit = 100;  ///< at most this many lines, oldest first
};

/// Each simulated app's log lines, made up on demand up to the time asked.
/// Not thread-safe: the simulator serializes calls.
class log_generator {
public:
  /// `per_second`: lines made up per app and second (0: none, only appended ones).
  explicit log_generator(double per_second, std::size_t keep = 100'000);

  /// Lines made up per second for `app` from now on (those until now at the old rate).
  void set_rate(const std::string& app, double per_second);
  /// Adds a line (its app, id and timestamp are filled in if empty/zero).
  void append(const std::string& app, log_entry e, std::int64_t now_ns);
  /// Makes up the app's lines until `now_ns`, then answers `q`.
  std::vector<log_entry> read(const std::string& app, const log_query& q, std::int64_t now_ns);
  /// Drops `app`'s lines and rate; it starts afresh, at the default rate, when next used.
  void forget(const std::string& app);

private:
  struct app_logs {
    double rate = 0;
    std::int64_t generated_until = 0;
    std::uint64_t made = 0; ///< lines made up so far
    std::vector<log_entry> lines; ///< ascending timestamps
    std::vector<std::string> instances;
  };
  app_logs& logs_of(const std::string& app, std::int64_t now_ns);
  void generate(const std::string& app, app_logs& a, std::int64_t now_ns);
  std::string next_id();

  double default_rate_;
  std::size_t keep_;
  std::map<std::string, app_logs> apps_;
  std::uint64_t seq_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
};

} // namespace atlas::sim
