#pragma once
// What the actors of one logs subtree share (DESIGN.md §3): configuration,
// the cursor table, how to fetch a page and get a token, and the handles the
// subtree's children publish as they start (the dispatcher, the streamers'
// supervisor), so later siblings and the facade find the current ones.

#include <atlas/actors/log_cursor_table.hpp>
#include <atlas/core/options.hpp>
#include <atlas/core/secret.hpp>
#include <atlas/core/telemetry.hpp>
#include <atlas/net/fly_logs_client.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

namespace atlas {

/// Fetches one page with `token`; `done` is called exactly once, on any thread.
using log_fetch_function = std::function<void(const fly_logs_query& q, const secret& token,
                                              std::function<void(expected<fly_logs_page>)> done)>;

/// Gets the app's token (a fresh one when `refresh`: the last one drew a
/// 401); `then` must run in `self`'s context (the tokens facade does).
using log_token_function =
  std::function<void(caf::event_based_actor* self, const std::string& app, bool refresh,
                     std::function<void(expected<secret>)> then)>;

/// The subtree's children that publish their handle; `count` is the number of roles.
enum class log_role : std::uint8_t { dispatcher, streamers, count };

/// What one logs subtree's actors and its facade share, by shared_ptr. The
/// handles are guarded by a mutex; set the other fields before the subtree starts.
class log_services {
public:
  logs_options logs; ///< the [logs] options: poll interval, in-flight cap, endpoint
  fly_logs_form form = fly_logs_form::jsonapi; ///< which Fly logs endpoint to poll, from logs.endpoint
  /// Where each topic's streamer left off; outlives any streamer.
  std::shared_ptr<log_cursor_table> cursors = std::make_shared<log_cursor_table>();
  log_fetch_function fetch; ///< polls one page of an app's logs
  log_token_function token; ///< the app's token for fetch
  telemetry_sink* telemetry = nullptr; ///< may be null; must outlive the subtree
  /// Wall clock, ns since the epoch; tests set a virtual one.
  std::function<std::int64_t()> now_ns;

  /// A page this long is taken as full: more lines wait, poll again soon.
  std::size_t full_page = 100;
  /// The wait after a full page (flyctl's minimum).
  duration min_interval = std::chrono::milliseconds{64};
  /// Errors double the wait from poll_interval up to this.
  duration max_backoff = std::chrono::seconds{30};
  /// A streamer that has had no subscriber for this long stops.
  duration idle_grace = std::chrono::seconds{30};
  /// How far back Fly keeps logs: an older cursor means lines were lost.
  duration retention = std::chrono::hours{24 * 7};

  /// now_ns() when set, else the system clock: ns since the Unix epoch.
  std::int64_t now() const;

  /// Records `handle` as the current actor of `r` (weakly), as each child starts.
  void publish(log_role r, caf::actor handle);
  /// The current actor of `r`, or an invalid handle when none is running.
  caf::actor handle(log_role r) const;

private:
  mutable std::mutex mtx_;
  // Weak: the actors hold these services (a strong handle would be a cycle).
  caf::weak_actor_ptr handles_[static_cast<std::size_t>(log_role::count)];
};

/// Services for `opts` polling Fly through `http` (which must outlive the
/// subtree) with the logs form of logs.endpoint, the API base URLs of
/// `opts.fly`, and `token` for credentials.
std::shared_ptr<log_services> make_log_services(const options& opts, http_client& http,
                                                log_token_function token);

} // namespace atlas
