#pragma once
// The log streamer of one app (ExAtlas's Logs.Streamer, DESIGN.md §4.2): polls
// Fly's logs API, drops what it already delivered, and publishes each poll's
// new lines as one shared batch on its topic through the dispatcher. It never
// blocks: a poll is a request in flight while subscribe and unsubscribe go on.
//
// - Where it is lives in the cursor table: a restarted streamer resumes
//   there, so no line is lost or delivered twice (lines sharing an instant
//   are told apart by id, or by content in the NDJSON form).
// - The first page is the app's latest lines and goes to the first
//   subscribers (ExAtlas swallowed it); with nobody subscribed yet, a page
//   only moves the cursor.
// - Polls every logs.poll_interval; at once again while pages come back full;
//   errors double the wait up to max_backoff, and it never gives up on them.
//   A 401 gets a fresh token and one retry; a second 401 in a row, or 404
//   (no such app), ends the topic: subscribers get (logs_stopped_atom, app).
// - Lines it could not have fetched (its cursor fell out of Fly's retention,
//   more lines in one instant than a page holds) are reported as
//   (logs_gap_atom, app, log_gap) rather than passed over in silence.
// - It stops, normally, when its last subscriber has left (or nobody came
//   within idle_grace); a supervisor's shutdown ends the topic first, so
//   subscribers hear (logs_stopped_atom, app) then too.

#include <atlas/actors/log_messages.hpp>
#include <atlas/actors/log_services.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace atlas {

/// What one streamer polls. Subscribers with the same app and filters share
/// one streamer, found by its topic.
struct log_stream_key {
  std::string app; ///< the Fly app; required
  std::string region{};   ///< only this region ("": all)
  std::string instance{}; ///< only this machine ("": all)
  /// Start at this instant (ns since the epoch) instead of the latest page.
  std::int64_t since_ns = 0;
};

/// "app", or "app region=iad instance=e784… since=NS" with filters.
std::string log_topic(const log_stream_key& k);
/// The inverse of log_topic.
expected<log_stream_key> parse_log_topic(const std::string& topic);

/// Spawns the streamer of `topic`. It answers (subscribe_atom, ...) and
/// (unsubscribe_atom, ...) with the dispatcher's messages minus the topic
/// (it forwards them), and (stats_atom) → log_streamer_stats.
caf::actor spawn_log_streamer(caf::actor_system& sys, std::shared_ptr<log_services> svc,
                              const std::string& topic);

/// One streamer's counters since it started, as (stats_atom) answers them.
struct log_streamer_stats {
  std::uint64_t polls = 0; ///< fetches answered, failed ones included
  std::uint64_t errors = 0; ///< fetches that failed
  std::uint64_t delivered = 0; ///< lines published
  std::uint64_t duplicates = 0; ///< lines dropped as already delivered
  std::uint64_t malformed = 0; ///< lines skipped: not JSON, or no valid timestamp
  std::uint64_t gaps = 0; ///< gaps reported (logs_gap_atom)

  template <class Inspector>
  friend auto inspect(Inspector& f, log_streamer_stats& x) {
    return f(x.polls, x.errors, x.delivered, x.duplicates, x.malformed, x.gaps);
  }
};

} // namespace atlas
