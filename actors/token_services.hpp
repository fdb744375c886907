#pragma once
// What the actors of one tokens subtree share (DESIGN.md §3): configuration,
// the shared cache, how to open storage and mint tokens, and the handles the
// subtree's children publish as they start, so later siblings (and the
// facade) find the current ones after a restart.

#include <atlas/actors/token_cache.hpp>
#include <atlas/core/options.hpp>
#include <atlas/core/telemetry.hpp>
#include <atlas/fly/token_cli.hpp>
#include <atlas/storage/token_storage.hpp>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace atlas {

/// Starts `fly tokens create readonly` for `req` and returns a function that
/// cancels it; `done` must then be called exactly once, on any thread. An
/// error (no `fly`, no org) means it did not start and `done` is never called.
using mint_function = std::function<expected<std::function<void()>>(
  const token_cli_request& req, std::function<void(expected<secret>)> done)>;

/// The children of the tokens subtree, as they publish themselves.
enum class token_role : std::uint8_t { storage_owner, persister, minter, app_servers, count };

/// What one tokens subtree's actors and its facade share, by shared_ptr. The
/// handles, the app-server table and the storage are guarded by a mutex; set
/// the other fields before the subtree starts.
class token_services {
public:
  /// Expiries are wall-clock times (token_record's clock).
  using clock = token_record::clock;

  fly_options fly; ///< the [fly] options: API URLs, org, flyctl, config directory
  tokens_options tokens; ///< the [tokens] options: TTL, soft expiry, CLI timeout, storage
  /// flyctl's config directory (fly.config_dir, $FLY_CONFIG_DIR or ~/.fly).
  std::string fly_config_dir;
  /// The shared cache. Its memory lives as long as these services, because
  /// readers on any thread may hold it; its *contents* live as long as the
  /// cache owner actor, which empties it when it starts and when it exits.
  std::shared_ptr<token_cache> cache = std::make_shared<token_cache>();
  /// Opens durable storage; called on the storage owner's own thread.
  std::function<expected<std::shared_ptr<token_storage>>()> open_storage;
  /// Starts a mint (`fly tokens create readonly`); make_token_services runs the real `fly`.
  mint_function mint;
  telemetry_sink* telemetry = nullptr; ///< may be null; must outlive the subtree
  /// Wall clock for expiries; unset: token_cache::coarse_now. Tests set the
  /// virtual clock here.
  std::function<clock::time_point()> now_fn;
  /// Storage, config-file reads and writes run on threads of their own
  /// (CAF's detached actors) because they block on disk. Tests on the
  /// deterministic scheduler turn this off and use non-blocking storage.
  bool detach_blocking = true;
  /// How long an app server waits for storage before it counts as failed.
  duration storage_timeout = std::chrono::seconds{10};

  /// The time expiries are compared with: now_fn() when set, else token_cache::coarse_now().
  clock::time_point now() const { return now_fn ? now_fn() : token_cache::coarse_now(); }

  /// The wait for a minted token: the CLI's timeout plus its stop ladder.
  duration mint_timeout() const { return tokens.cli_timeout + std::chrono::seconds{10}; }

  /// Records `handle` as the current actor of `r` (weakly), as each child starts.
  void publish(token_role r, caf::actor handle);
  /// The current actor of `r`, or an invalid handle when none is running.
  caf::actor handle(token_role r) const;
  /// App servers register here as they start and leave as they exit, so
  /// the facade reaches a running one with a single request.
  void register_server(const std::string& app, const caf::actor& server);
  /// Forgets the app server of `app` if it is still `server` (a successor stays).
  void unregister_server(const std::string& app, const caf::actor_addr& server);
  /// The running app server of `app`, or an invalid handle.
  caf::actor find_server(const std::string& app) const;
  /// The apps that have a running app server now (the apps the tree knows).
  std::vector<std::string> server_apps() const;

  /// The storage owner publishes what it opened, and null when it exits.
  void publish_storage(std::shared_ptr<token_storage> s);
  /// The storage the current storage owner opened, or null when none is open.
  std::shared_ptr<token_storage> storage() const;

private:
  mutable std::mutex mtx_;
  // Weak: the actors hold these services, so strong handles would be a cycle
  // that keeps every actor of the subtree alive forever.
  caf::weak_actor_ptr handles_[static_cast<std::size_t>(token_role::count)];
  std::shared_ptr<token_storage> storage_;
  std::map<std::string, caf::actor_addr, std::less<>> servers_;
};

/// Services for `opts` with the production defaults: LMDB storage in
/// tokens.storage_dir (or `storage` when given: the user's own), the real
/// `fly` run on `runner`, which must outlive the services' users.
std::shared_ptr<token_services> make_token_services(const options& opts,
                                                    std::shared_ptr<process_runner> runner,
                                                    std::shared_ptr<token_storage> storage = {},
                                                    const env_lookup& env = process_environment());

} // namespace atlas
