#pragma once
// The deploys part of Atlas's facade (DESIGN.md §4.3): run `fly deploy` for
// a project directory, blocking with a cap or streamed to a subscriber actor
// by ticket. Every deploy is one deploy_runner under the "deploys" dynamic
// supervisor; docs/deploys.md.

#include <atlas/actors/deploy_messages.hpp>
#include <atlas/actors/deploy_services.hpp>
#include <atlas/core/expected.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>

namespace atlas {

/// How to run one deploy; every field has a default.
struct deploy_options {
  std::string app{};    ///< --app ("": the fly.toml's)
  std::string config{}; ///< --config ("": dir/fly.toml)
  /// 0: deploys.absolute_timeout (streamed) or deploys.timeout (blocking).
  duration timeout{0};
  /// 0: deploys.activity_timeout (streamed) or none (blocking, as ExAtlas).
  duration activity_timeout{0};
};

/// A handle on a running deploys subtree; cheap to copy, thread-safe. Its
/// actor system must outlive it. Default-constructed: every call answers
/// errc::unsupported (the Fly tree is disabled).
class deploys {
public:
  deploys() = default;
  /// Starts the deploys subtree alone in `sys`.
  static expected<deploys> start(caf::actor_system& sys, std::shared_ptr<deploy_services> svc);
  /// A facade over a subtree started elsewhere (deploys_supervisor_child).
  deploys(caf::actor_system& sys, std::shared_ptr<deploy_services> svc, caf::actor supervisor = {});

  /// Blocking (plain threads only): the whole redacted output, or errc::not_found
  /// (no `fly`), errc::timeout (deploys.timeout, 15 min, passed: flyctl was
  /// stopped lease-safely), errc::exit_status ("exit status N: <output tail>"),
  /// errc::validation (bad directory or options).
  expected<std::string> deploy(const std::string& dir, const deploy_options& o = {}) const;
  /// The same with the structured result (exit status, stop step, image, ...).
  expected<deploy_result> deploy_result_of(const std::string& dir, const deploy_options& o = {}) const;

  /// Starts the deploy of `ticket` and subscribes `subscriber`: it receives
  /// (deploy_line_atom, ticket, line) per line, then one (deploy_exit_atom,
  /// ticket, deploy_result). Returns once flyctl has started; errc::not_found
  /// without `fly`, errc::validation for a bad ticket, a directory that is
  /// not one, or a ticket already deploying.
  expected<void> stream_deploy(const caf::actor& subscriber, const std::string& dir,
                               const std::string& ticket, const deploy_options& o = {}) const;
  /// More subscribers for a running ticket; errc::not_found when none runs.
  expected<void> subscribe(const caf::actor& subscriber, const std::string& ticket) const;
  /// Stops sending the ticket's lines to `subscriber`; errc::not_found when none runs.
  expected<void> unsubscribe(const caf::actor& subscriber, const std::string& ticket) const;
  /// Stops the ticket's deploy (SIGINT, grace, SIGTERM, grace, SIGKILL); its
  /// subscribers get the exit with status cancelled. errc::not_found when none runs.
  expected<void> cancel(const std::string& ticket) const;

  /// Asynchronous, for actors: the same calls, `then` runs once in `self`'s context.
  template <class T>
  using callback = std::function<void(expected<T>)>;
  /// Asynchronous stream_deploy: `then` gets what the blocking call returns.
  void stream_deploy(caf::event_based_actor* self, const caf::actor& subscriber,
                     const std::string& dir, const std::string& ticket, const deploy_options& o,
                     callback<void> then) const;
  /// Asynchronous subscribe.
  void subscribe(caf::event_based_actor* self, const caf::actor& subscriber,
                 const std::string& ticket, callback<void> then) const;
  /// Asynchronous unsubscribe.
  void unsubscribe(caf::event_based_actor* self, const caf::actor& subscriber,
                   const std::string& ticket, callback<void> then) const;
  /// Asynchronous cancel.
  void cancel(caf::event_based_actor* self, const std::string& ticket, callback<void> then) const;

  /// Stops the subtree if start() started it; running deploys are stopped lease-safely.
  expected<void> stop(duration deadline = std::chrono::seconds{60}) const;

  /// The deploys dynamic supervisor (null when the Fly tree is disabled).
  const caf::actor& supervisor() const noexcept { return sup_; }
  /// What the subtree runs on: options, process runner, telemetry.
  const std::shared_ptr<deploy_services>& services() const noexcept { return svc_; }

private:
  caf::actor_system* sys_ = nullptr;
  std::shared_ptr<deploy_services> svc_;
  caf::actor sup_;
};

/// A fresh ticket: "deploy-<ms since epoch>-<counter>".
std::string new_deploy_ticket();

} // namespace atlas
