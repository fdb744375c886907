#pragma once
// The shared token cache (ExAtlas's ETS table, DESIGN.md §4.1): one per
// Atlas tree, owned by the token cache owner, so it outlives any app
// server's crash. Any thread reads it without a lock and without a message.

#include <atlas/core/token_record.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

namespace atlas {

/// app → token_record. Reads are lock-free (no mutex, no shared lock, no
/// reference count): they announce themselves in a per-thread slot and read
/// immutable snapshots that writers replace and reclaim only when no reader
/// can still see them (epoch-based reclamation). Writes are serialised by a
/// mutex; they are rare (one per acquisition).
class token_cache {
public:
  /// Expiries are wall-clock times (token_record's clock).
  using clock = token_record::clock;

  token_cache();
  /// No read or write may be running when the cache is destroyed.
  ~token_cache();
  token_cache(const token_cache&) = delete;
  token_cache& operator=(const token_cache&) = delete;

  /// The record of `app` if there is one that has not expired at `now`.
  /// Lock-free; safe from any thread, concurrently with writers.
  std::optional<token_record> get(std::string_view app, clock::time_point now) const;

  /// get(app, coarse_now()): the hot path of every token lookup.
  std::optional<token_record> get(std::string_view app) const { return get(app, coarse_now()); }

  /// Wall-clock time from CLOCK_REALTIME_COARSE: a few milliseconds of
  /// resolution, ample for expiries hours apart, at a seventh of the cost of
  /// system_clock::now() here (docs/benchmarks.md, w1).
  static clock::time_point coarse_now() noexcept;

  /// Adds or replaces the record of `app`.
  void put(std::string_view app, token_record record);
  /// Removes the record of `app`; nothing happens when there is none.
  void erase(std::string_view app);

  /// Removes every record (the app names stay indexed: they are few).
  void clear();

  /// Apps with a record (expired or not).
  std::size_t size() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace atlas
