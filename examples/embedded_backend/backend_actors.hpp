#pragma once
// The backend's own actors: one watches an app's logs, one follows a deploy.
// Each reports to `progress`, which the main thread (not an actor) waits on.

#include <atlas/atlas.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace backend {

/// What the actors have seen; shared with the main thread.
struct progress {
  std::mutex mtx;
  std::condition_variable cv;
  std::uint64_t lines = 0;       ///< log entries received
  std::uint64_t batches = 0;
  std::uint64_t gaps = 0;
  std::uint64_t evictions = 0;   ///< times the dispatcher dropped the watcher (it resubscribes)
  bool logs_stopped = false;     ///< the app's streamer stopped
  std::string token_source;      ///< where the app's token came from (never the token)
  std::optional<atlas::error> failure;
  std::optional<atlas::deploy_result> deploy;

  template <class F>
  void update(F f) {
    {
      std::lock_guard g{mtx};
      f(*this);
    }
    cv.notify_all();
  }
};

struct log_watcher_config {
  atlas::logs logs;             ///< runtime::logs(): a facade, not the runtime (whose last copy stops the tree)
  atlas::typed_handles handles; ///< atlas::spawn_typed_handles(runtime)
  std::string app;
  std::shared_ptr<progress> seen;
};

/// Gets the app's token through the typed tokens handle (and prints its
/// source), then subscribes itself to the app's logs and prints each entry
/// as `entry<TAB>timestamp_ns<TAB>id<TAB>instance<TAB>message`. Evicted, it
/// subscribes again; logs_stopped and logs_gap are reported.
caf::actor spawn_log_watcher(caf::actor_system& sys, log_watcher_config cfg);

struct deploy_watcher_config {
  atlas::typed_handles handles;
  std::string dir; ///< a project directory with a fly.toml
  std::shared_ptr<progress> seen;
};

/// Starts a deploy of `dir` through the typed deploys handle with itself as
/// the subscriber, prints each (deploy_line_atom, ticket, line) and the
/// (deploy_exit_atom, ticket, result), and quits after the exit.
caf::actor spawn_deploy_watcher(caf::actor_system& sys, deploy_watcher_config cfg);

/// The line both examples print for an entry (scripts/test_examples compares them).
std::string entry_line(const atlas::log_entry& e);

} // namespace backend
