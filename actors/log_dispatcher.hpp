#pragma once
// The logs dispatcher (ExAtlas's Dispatcher, DESIGN.md §4.2): topic →
// subscribers, with a monitor on each, one shared batch per publish, and
// eviction of a subscriber that falls more than its limit behind — counted,
// never guessed from another actor's mailbox (reference/runtime.md §1.13).
//
// Three ways to subscribe, the same messages reach each:
// - an actor (the default): batches arrive in its mailbox and count as in
//   flight until its handler has run (log_batch says how); over
//   `max_in_flight` it gets (evicted_atom, topic) and is dropped, and nobody
//   else slows down;
// - a callback, run in the dispatcher's context: it must be quick; anything
//   it throws is caught and logged, never propagated;
// - a CAF group (the local group "atlas.logs/TOPIC"): what joins it receives
//   every message; groups have no flow control, so no eviction either.

#include <atlas/actors/log_messages.hpp>
#include <atlas/core/telemetry.hpp>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/group.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace atlas {

/// A callback subscriber: each function may be empty. They run on the
/// dispatcher's thread, one at a time.
struct log_callbacks {
  /// New lines (the same content an actor gets as (logs_atom, app, log_batch)).
  std::function<void(const std::string& app, const log_batch&)> on_batch;
  /// Lines may be missing (logs_gap).
  std::function<void(const std::string& app, const log_gap&)> on_gap;
  /// The app's streamer stopped (logs_stopped); nothing more comes.
  std::function<void(const std::string& app)> on_stopped;
};
/// How callbacks travel in a subscribe message: shared and immutable (local only).
using log_callbacks_ptr = std::shared_ptr<const log_callbacks>;

/// What the dispatcher knows of a topic, for metrics and tests.
struct log_topic_stats {
  std::uint32_t subscribers = 0;   ///< actors, callbacks and groups
  std::uint64_t joined = 0;        ///< subscribe requests taken on this topic, ever
  std::uint64_t published = 0;     ///< batches published
  std::uint64_t evicted = 0;       ///< subscribers evicted
  std::uint32_t max_in_flight_seen = 0; ///< the largest in-flight count of a current subscriber

  template <class Inspector>
  friend auto inspect(Inspector& f, log_topic_stats& x) {
    return f(x.subscribers, x.joined, x.published, x.evicted, x.max_in_flight_seen);
  }
};

/// The local group a topic's messages also go to in group mode.
std::string log_group_name(const std::string& topic);

/// Spawns a dispatcher. It answers:
/// - (subscribe_atom, topic, caf::actor, std::uint32_t max_in_flight) → expected<void>;
///   subscribing again changes the limit, never doubles deliveries;
///   max_in_flight 0 is errc::validation;
/// - (subscribe_atom, topic, log_callbacks_ptr, std::uint64_t id) → expected<void>;
/// - (subscribe_atom, topic, caf::group) → expected<void>;
/// - (unsubscribe_atom, topic, caf::actor | std::uint64_t id | caf::group) → expected<void>
///   (errc::not_found when it was not subscribed);
/// - (publish_atom, topic, app, log_batch): to every subscriber;
/// - (logs_gap_atom, topic, app, log_gap): to every subscriber;
/// - (end_topic_atom, topic, app): (logs_stopped_atom, app) to every
///   subscriber, then the topic is gone;
/// - (own_topic_atom, topic, app, caf::actor owner) → log_topic_stats: the owner
///   (the topic's streamer) is told (topic_left_atom, topic, remaining,
///   joined) whenever a subscriber leaves, is evicted or dies;
/// - (stats_atom, topic) → log_topic_stats.
/// When the dispatcher itself exits, every subscriber actor gets
/// (logs_stopped_atom, app) for each owned topic it was on.
caf::actor spawn_log_dispatcher(caf::actor_system& sys, telemetry_sink* telemetry = nullptr);

} // namespace atlas

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atlas::log_callbacks_ptr)
