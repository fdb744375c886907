#pragma once
// The logs part of Atlas's facade (DESIGN.md §4.2, §5): subscribe an actor,
// a callback or a CAF group to an app's live logs; one streamer per app and
// filters, however many subscribers. Usable from plain threads (blocking,
// with a deadline) and from actors (asynchronous). docs/logs.md.

#include <atlas/actors/log_dispatcher.hpp>
#include <atlas/actors/log_services.hpp>
#include <atlas/api/tokens.hpp>
#include <atlas/core/expected.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/group.hpp>
#include <caf/meta/type_name.hpp>

#include <memory>
#include <string>

namespace atlas {

/// Which lines a subscription wants, and its flow-control limit.
struct log_subscription_options {
  std::string region{};   ///< only this region (three letters)
  std::string instance{}; ///< only this machine (its id)
  /// Start at this instant (ns since the epoch) rather than the latest lines;
  /// such a subscription has a streamer of its own.
  std::int64_t since_ns = 0;
  /// Batches the subscriber may leave unhandled before it is evicted; 0:
  /// logs.max_in_flight (64). Actors only.
  std::uint32_t max_in_flight = 0;

  template <class Inspector>
  friend auto inspect(Inspector& f, log_subscription_options& x) {
    return f(caf::meta::type_name("atlas::log_subscription_options"), x.region, x.instance,
             x.since_ns, x.max_in_flight);
  }
};

/// A handle on a running logs subtree; cheap to copy, thread-safe. Its actor
/// system must outlive it. A default-constructed one stands for a disabled
/// logs tree: every call answers errc::no_streamer.
class logs {
public:
  /// The callback of an asynchronous call: runs once, in the calling actor's context.
  template <class T>
  using callback = std::function<void(expected<T>)>;

  logs() = default;
  /// Starts a logs subtree alone in `sys` and waits until it is up.
  static expected<logs> start(caf::actor_system& sys, std::shared_ptr<log_services> svc,
                              duration deadline = std::chrono::seconds{30});
  /// A facade over a subtree started elsewhere (logs_supervisor_child).
  logs(caf::actor_system& sys, std::shared_ptr<log_services> svc, caf::actor supervisor = {});

  // Blocking, for plain threads (never from an actor handler); deadline 0: 10 s.
  // Subscribing twice changes the limit, never doubles deliveries.
  /// Subscribes an actor: it receives the messages of actors/log_messages.hpp.
  expected<void> subscribe(const caf::actor& subscriber, const std::string& app,
                           const log_subscription_options& opts = {},
                           duration deadline = duration{0}) const;
  /// Unsubscribes an actor; errc::not_found when it was not subscribed.
  expected<void> unsubscribe(const caf::actor& subscriber, const std::string& app,
                             const log_subscription_options& opts = {},
                             duration deadline = duration{0}) const;
  /// A callback subscriber; the id it returns unsubscribes it.
  expected<std::uint64_t> subscribe(log_callbacks callbacks, const std::string& app,
                                    const log_subscription_options& opts = {},
                                    duration deadline = duration{0}) const;
  /// Unsubscribes a callback subscriber by the id subscribe() returned.
  expected<void> unsubscribe(std::uint64_t callback_id, const std::string& app,
                             const log_subscription_options& opts = {},
                             duration deadline = duration{0}) const;
  /// The app's messages also go to this local group, until unsubscribe_group.
  expected<caf::group> subscribe_group(const std::string& app,
                                       const log_subscription_options& opts = {},
                                       duration deadline = duration{0}) const;
  /// Stops sending the app's messages to its group.
  expected<void> unsubscribe_group(const std::string& app, const log_subscription_options& opts = {},
                                   duration deadline = duration{0}) const;

  /// Asynchronous, for actors: `then` runs once, in `self`'s context.
  void subscribe(caf::event_based_actor* self, const caf::actor& subscriber,
                 const std::string& app, const log_subscription_options& opts,
                 callback<void> then) const;
  /// Asynchronous unsubscribe: `then` runs once, in `self`'s context.
  void unsubscribe(caf::event_based_actor* self, const caf::actor& subscriber,
                   const std::string& app, const log_subscription_options& opts,
                   callback<void> then) const;

  /// Stops the subtree if start() started it; waits for it to be gone.
  expected<void> stop(duration deadline = std::chrono::seconds{30}) const;

  /// The logs supervisor (null for a disabled logs tree).
  const caf::actor& supervisor() const noexcept { return sup_; }
  /// What the subtree runs on: options, HTTP fetch, token function, telemetry.
  const std::shared_ptr<log_services>& services() const noexcept { return svc_; }

private:
  caf::actor_system* sys_ = nullptr;
  std::shared_ptr<log_services> svc_;
  caf::actor sup_;
};

/// DESIGN.md §4.2's names for the same calls.
inline expected<void> subscribe_logs(const logs& l, const caf::actor& subscriber, const std::string& app,
                                     const log_subscription_options& opts = {}) {
  return l.subscribe(subscriber, app, opts);
}
/// DESIGN.md §4.2's name for logs::unsubscribe.
inline expected<void> unsubscribe_logs(const logs& l, const caf::actor& subscriber, const std::string& app,
                                       const log_subscription_options& opts = {}) {
  return l.unsubscribe(subscriber, app, opts);
}

/// How streamers get tokens through the tokens facade: get, or refresh
/// after a 401.
log_token_function logs_token_function(tokens t);

} // namespace atlas
