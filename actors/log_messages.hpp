#pragma once
// The messages of the logs subtree (DESIGN.md §4.2). What a subscriber
// receives is stable across dispatch modes:
//   (logs_atom, app, log_batch)        new lines, oldest first
//   (logs_gap_atom, app, log_gap)      lines may have been skipped
//   (logs_stopped_atom, app)           the app's streamer stopped
//   (evicted_atom, topic)              too slow: dropped by the dispatcher
// Atoms are at most 10 characters in CAF 0.17.

#include <atlas/core/log_entry.hpp>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace atlas {

/// (logs_atom, app, log_batch): new lines, oldest first, to a subscriber.
using logs_atom = caf::atom_constant<caf::atom("logs")>;
/// (logs_gap_atom, app, log_gap) to a subscriber: lines may have been skipped.
using logs_gap_atom = caf::atom_constant<caf::atom("logsgap")>;
/// (logs_stopped_atom, app) to a subscriber: the app's streamer stopped; nothing more comes.
using logs_stopped_atom = caf::atom_constant<caf::atom("logsstop")>;
/// (evicted_atom, topic) to a subscriber: too slow, the dispatcher dropped it.
using evicted_atom = caf::atom_constant<caf::atom("evicted")>;
// dispatcher and streamer requests
/// (subscribe_atom, [topic,] subscriber...) → expected<void>: see spawn_log_dispatcher.
using subscribe_atom = caf::atom_constant<caf::atom("logsub")>;
/// (unsubscribe_atom, [topic,] subscriber) → expected<void>.
using unsubscribe_atom = caf::atom_constant<caf::atom("logunsub")>;
/// (publish_atom, topic, app, log_batch): a streamer's new lines, to the dispatcher.
using publish_atom = caf::atom_constant<caf::atom("logpub")>;
/// (own_topic_atom, topic, app, owner) → log_topic_stats: a streamer claims its topic.
using own_topic_atom = caf::atom_constant<caf::atom("logown")>;
/// (topic_left_atom, topic, remaining, joined): the dispatcher tells a topic's owner a subscriber left.
using topic_left_atom = caf::atom_constant<caf::atom("logleft")>;
/// (end_topic_atom, topic, app): the topic ends; its subscribers get logs_stopped_atom.
using end_topic_atom = caf::atom_constant<caf::atom("logend")>;
/// (poll_atom, epoch): a streamer's own poll timer.
using poll_atom = caf::atom_constant<caf::atom("logpoll")>;
/// (stats_atom, topic) → log_topic_stats from the dispatcher; (stats_atom) → log_streamer_stats.
using stats_atom = caf::atom_constant<caf::atom("logstats")>;

/// The value of logs_atom, to send.
constexpr logs_atom logs_atom_v{};
/// The value of logs_gap_atom, to send.
constexpr logs_gap_atom logs_gap_atom_v{};
/// The value of logs_stopped_atom, to send.
constexpr logs_stopped_atom logs_stopped_atom_v{};
/// The value of evicted_atom, to send.
constexpr evicted_atom evicted_atom_v{};
/// The value of subscribe_atom, to send.
constexpr subscribe_atom subscribe_atom_v{};
/// The value of unsubscribe_atom, to send.
constexpr unsubscribe_atom unsubscribe_atom_v{};
/// The value of publish_atom, to send.
constexpr publish_atom publish_atom_v{};
/// The value of own_topic_atom, to send.
constexpr own_topic_atom own_topic_atom_v{};
/// The value of topic_left_atom, to send.
constexpr topic_left_atom topic_left_atom_v{};
/// The value of end_topic_atom, to send.
constexpr end_topic_atom end_topic_atom_v{};
/// The value of poll_atom, to send.
constexpr poll_atom poll_atom_v{};
/// The value of stats_atom, to send.
constexpr stats_atom stats_atom_v{};

/// Counts one subscription's deliveries that its handler has not run yet
/// (SObjectizer's message limit, reference/runtime.md §1.13 option 2).
struct delivery_meter {
  /// Deliveries sent whose handler has not run yet.
  std::atomic<std::uint32_t> in_flight{0};
  /// Deliveries whose handler has run, ever.
  std::atomic<std::uint64_t> handled{0};
};

/// One poll's new lines, shared by every subscriber: copying a batch copies
/// a pointer, never the lines. The batch a subscriber receives in a message
/// also carries that subscription's acknowledgement: it is acknowledged
/// when the message is gone, that is once the subscriber's handler has run
/// (or the subscriber died). A copy the handler keeps carries no
/// acknowledgement, so keeping a batch never counts against the subscriber.
/// Only the lines are serialized: a remote subscriber's batch is
/// acknowledged when it leaves this node.
class log_batch {
public:
  /// The entries of one batch, oldest first.
  using lines = std::vector<log_entry>;

  log_batch() = default;
  /// A batch over shared, immutable entries.
  explicit log_batch(std::shared_ptr<const lines> entries) : entries_(std::move(entries)) {}
  /// Shares the entries; the copy carries no acknowledgement.
  log_batch(const log_batch& other) : entries_(other.entries_) {}
  /// Moves the entries and the acknowledgement.
  log_batch(log_batch&& other) noexcept = default;
  /// Shares the entries; the target's acknowledgement, if any, is dropped unacknowledged.
  log_batch& operator=(const log_batch& other) {
    entries_ = other.entries_;
    ack_.reset();
    return *this;
  }
  /// Moves the entries and the acknowledgement.
  log_batch& operator=(log_batch&& other) noexcept = default;
  ~log_batch() { acknowledge(); }

  /// The entries, oldest first (empty for a default-constructed batch).
  const lines& entries() const noexcept { return entries_ ? *entries_ : empty(); }
  /// How many entries.
  std::size_t size() const noexcept { return entries().size(); }
  /// True when the batch holds no entry.
  bool empty_batch() const noexcept { return size() == 0; }
  /// The shared entries themselves (null for a default-constructed batch).
  const std::shared_ptr<const lines>& shared() const noexcept { return entries_; }

  /// The same lines, counted on `meter` until this object is destroyed.
  log_batch counted(std::shared_ptr<delivery_meter> meter) const {
    log_batch b{entries_};
    meter->in_flight.fetch_add(1, std::memory_order_relaxed);
    b.ack_ = std::move(meter);
    return b;
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, log_batch& x) {
    // Saving reads a copy of the lines; loading makes new shared ones.
    auto copy = x.entries_ ? *x.entries_ : lines{};
    auto rebuild = caf::meta::load_callback([&]() -> caf::error {
      x.entries_ = std::make_shared<const lines>(std::move(copy));
      return caf::none;
    });
    return f(caf::meta::type_name("atlas::log_batch"), copy, rebuild);
  }

private:
  static const lines& empty() {
    static const lines none;
    return none;
  }
  void acknowledge() noexcept {
    if (ack_) {
      ack_->handled.fetch_add(1, std::memory_order_relaxed);
      ack_->in_flight.fetch_sub(1, std::memory_order_release);
      ack_.reset();
    }
  }
  std::shared_ptr<const lines> entries_;
  std::shared_ptr<delivery_meter> ack_;
};

/// Lines may be missing between `from_ns` and `to_ns` (ns since the epoch):
/// what a subscriber gets instead of silence.
struct log_gap {
  /// First instant that may be missing, ns since the epoch.
  std::int64_t from_ns = 0;
  /// Last instant that may be missing, ns since the epoch.
  std::int64_t to_ns = 0;
  std::string reason; ///< "cursor older than retention", "more lines share one instant than a page holds"

  template <class Inspector>
  friend auto inspect(Inspector& f, log_gap& x) {
    return f(caf::meta::type_name("atlas::log_gap"), x.from_ns, x.to_ns, x.reason);
  }
};

} // namespace atlas
