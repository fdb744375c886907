#pragma once
// What a supervisor knows about a child: how to start it, when to restart it,
// how to stop it. OTP's child specification (reference/runtime.md §3.4).

#include <atlas/core/expected.hpp>
#include <atlas/core/options.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace atlas {

/// When a child that exited is restarted (OTP's `restart`).
enum class restart_type : std::uint8_t {
  permanent, ///< always, even after a normal exit
  transient, ///< only after an abnormal exit (not normal, not shutdown)
  temporary, ///< never; removed when it exits or a sibling's restart stops it
};

/// worker or supervisor: decides the default shutdown (5 s or infinity).
enum class child_type : std::uint8_t { worker, supervisor };

/// How a child is stopped (OTP's `shutdown`).
struct shutdown_spec {
  /// How the child is asked to stop.
  enum class mode : std::uint8_t {
    brutal_kill, ///< kill at once, enqueued with high priority
    timeout,     ///< ask (user_shutdown), then kill when `timeout` passes
    infinity,    ///< ask, and wait as long as it takes
  };
  mode how = mode::timeout; ///< which of OTP's shutdown values this is
  duration timeout = std::chrono::seconds{5}; ///< mode::timeout only: the wait before the kill; positive

  /// OTP's `brutal_kill`: kill at once.
  static shutdown_spec brutal_kill() { return {mode::brutal_kill, duration{0}}; }
  /// OTP's integer shutdown: ask, then kill when `d` (positive) has passed.
  static shutdown_spec after(duration d) { return {mode::timeout, d}; }
  /// OTP's `infinity`: ask, and wait as long as it takes.
  static shutdown_spec infinity() { return {mode::infinity, duration{0}}; }
  /// True when every field is equal.
  friend bool operator==(const shutdown_spec&, const shutdown_spec&) = default;
};

/// Opt-in restart back-off (beyond OTP): the n-th consecutive restart waits
/// min(max, min × multiplier^n), less up to `jitter` of it at random, never
/// below `min`. A child that ran `reset_after` without failing starts again
/// at n = 0. The restart counts against intensity when it happens, and a
/// shutdown during the wait cancels it.
struct backoff_spec {
  duration min = std::chrono::milliseconds{100}; ///< the first delay, and the floor of every delay; positive
  duration max = std::chrono::seconds{30}; ///< the cap on a delay; at least `min`
  double multiplier = 2.0; ///< growth per consecutive restart; at least 1
  double jitter = 0.2; ///< the share of a delay, 0 to 1, taken off at random
  duration reset_after = std::chrono::seconds{60}; ///< running this long without failing resets n to 0
};

/// Starts a child and returns its handle, or the reason it could not. Gets
/// the child's id: the spec's id, or for a dynamic supervisor the key the
/// child was started with (an app name, a ticket). May throw: the supervisor
/// catches it and treats it as a failed start. The supervisor monitors the
/// handle; the factory must not link the child to anyone who should not die
/// with it.
using child_factory =
  std::function<expected<caf::actor>(caf::actor_system& sys, const std::string& id)>;

/// One child of a supervisor (OTP's child specification); validate() checks it.
struct child_spec {
  std::string id{}; ///< required, unique among its siblings: names it in logs, errors and which_children
  child_factory start{}; ///< required: starts it, and starts it again on each restart
  restart_type restart = restart_type::permanent; ///< when it is restarted after it exits
  child_type type = child_type::worker; ///< decides the default shutdown and init handshake
  /// Unset: OTP's default, 5 s for a worker, infinity for a supervisor.
  std::optional<shutdown_spec> shutdown{};
  /// With auto_shutdown, this child's own exit may stop the supervisor.
  /// Only transient or temporary children can be significant (as in OTP).
  bool significant = false;
  /// Wait for the child to answer (init_atom) with ok_atom before the next
  /// child starts; a child that dies or stays silent for `init_timeout` has
  /// failed to start. On by default for supervisors (their children are
  /// then all started when the parent moves on, as OTP's start_link gives).
  std::optional<bool> init_handshake{};
  /// How long the init handshake may take; positive when it is on.
  duration init_timeout = std::chrono::seconds{5};
  /// Unset: restart at once, as OTP does; set: wait as backoff_spec says.
  std::optional<backoff_spec> backoff{};

  /// `shutdown`, or when unset the default for `type` (5 s, or infinity for a supervisor).
  shutdown_spec effective_shutdown() const;
  /// `init_handshake`, or when unset true for a supervisor and false for a worker.
  bool effective_handshake() const;
};

/// `spec`, telling `started` of each handle its start returns (to publish
/// the current child where its siblings and a facade find it).
child_spec on_started(child_spec spec, std::function<void(const caf::actor&)> started);

/// "permanent", "transient" or "temporary".
std::string_view to_string(restart_type r) noexcept;
/// "worker" or "supervisor".
std::string_view to_string(child_type t) noexcept;
/// "brutal_kill", "infinity", or the timeout as format_duration spells it ("5s").
std::string to_string(const shutdown_spec& s);

/// Checks a spec the way OTP's check_childspecs does; the error names the
/// child and the field.
expected<void> validate(const child_spec& spec);

} // namespace atlas
