#pragma once
// The messages of the deploys subtree (DESIGN.md §4.3). A subscriber of a
// ticket receives, in order:
//   (deploy_line_atom, ticket, line)      each non-empty, redacted line
//   (deploy_exit_atom, ticket, result)    once, last; nothing follows it
// No timer message ever reaches a subscriber: the timeouts run inside the
// process runner, not on the actor clock. Atoms are at most 10 characters.

#include <atlas/core/error.hpp>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace atlas {

/// (deploy_line_atom, ticket, line): one redacted output line, to a subscriber.
using deploy_line_atom = caf::atom_constant<caf::atom("dpline")>;
/// (deploy_exit_atom, ticket, deploy_result): the end, to a subscriber; nothing follows.
using deploy_exit_atom = caf::atom_constant<caf::atom("dpexit")>;
// runner requests
/// To a runner, (deploy_run_atom, deploy_spec, subscriber) → expected<void>: start its flyctl.
using deploy_run_atom = caf::atom_constant<caf::atom("dprun")>;
/// To a runner, (deploy_subscribe_atom, actor) → expected<void>: one more subscriber.
using deploy_subscribe_atom = caf::atom_constant<caf::atom("dpsub")>;
/// To a runner, (deploy_unsubscribe_atom, actor) → expected<void>.
using deploy_unsubscribe_atom = caf::atom_constant<caf::atom("dpunsub")>;
/// To a runner, (deploy_cancel_atom) → expected<void>: stop flyctl by the lease-safe ladder.
using deploy_cancel_atom = caf::atom_constant<caf::atom("dpcancel")>;

/// The value of deploy_line_atom, to send.
constexpr deploy_line_atom deploy_line_atom_v{};
/// The value of deploy_exit_atom, to send.
constexpr deploy_exit_atom deploy_exit_atom_v{};
/// The value of deploy_run_atom, to send.
constexpr deploy_run_atom deploy_run_atom_v{};
/// The value of deploy_subscribe_atom, to send.
constexpr deploy_subscribe_atom deploy_subscribe_atom_v{};
/// The value of deploy_unsubscribe_atom, to send.
constexpr deploy_unsubscribe_atom deploy_unsubscribe_atom_v{};
/// The value of deploy_cancel_atom, to send.
constexpr deploy_cancel_atom deploy_cancel_atom_v{};

/// What to deploy.
struct deploy_spec {
  std::string dir;    ///< the project directory
  std::string app;    ///< --app ("": fly.toml's)
  std::string config; ///< --config ("": dir/fly.toml)
  /// 0: the options' (deploys.absolute_timeout / deploys.activity_timeout).
  std::int64_t timeout_ms = 0;
  /// Inactivity cap in ms; 0: deploys.activity_timeout.
  std::int64_t activity_timeout_ms = 0;

  template <class Inspector>
  friend auto inspect(Inspector& f, deploy_spec& x) {
    return f(caf::meta::type_name("atlas::deploy_spec"), x.dir, x.app, x.config, x.timeout_ms,
             x.activity_timeout_ms);
  }
};

/// How a deploy ended.
enum class deploy_status : std::uint8_t {
  ok,          ///< flyctl exited 0
  exit_status, ///< flyctl exited non-zero (exit_code)
  timeout,     ///< the absolute or the activity timeout stopped it
  cancelled,   ///< cancelled (by a caller or a shutdown)
  not_found,   ///< there is no `fly`
  failed,      ///< it could not start (bad directory, system refusal)
};
/// "ok", "exit_status", "timeout", "cancelled", "not_found" or "failed".
std::string_view to_string(deploy_status s) noexcept;

/// How a deploy ended.
struct deploy_result {
  /// How it ended.
  deploy_status status = deploy_status::failed;
  /// flyctl's exit status; -1 when it never ran or was killed.
  int exit_code = -1;
  std::string stopped_by;    ///< "exit", or the ladder's step that ended it: SIGINT, SIGTERM, SIGKILL
  std::string reason;        ///< timeout: "absolute" or "activity"; failed/not_found: the message
  std::string output;        ///< every line, redacted, '\n'-terminated (bounded: see truncated)
  bool truncated = false;    ///< output passed its bound; the first bytes are kept
  /// Lines of output, counted before truncation.
  std::uint64_t lines = 0;
  /// Wall time from start to exit.
  std::int64_t duration_ms = 0;
  std::string image;         ///< from "image: ..."
  /// Machines flyctl reported updated.
  std::uint32_t machines_done = 0;
  /// Machines flyctl said it would update.
  std::uint32_t machines_total = 0;
  std::string contradiction; ///< the text's verdict disagrees with the exit status (flyctl bugs)

  /// True when flyctl exited 0.
  bool ok() const noexcept { return status == deploy_status::ok; }

  template <class Inspector>
  friend auto inspect(Inspector& f, deploy_result& x) {
    return f(caf::meta::type_name("atlas::deploy_result"), x.status, x.exit_code, x.stopped_by,
             x.reason, x.output, x.truncated, x.lines, x.duration_ms, x.image, x.machines_done,
             x.machines_total, x.contradiction);
  }
};

/// The result as ExAtlas's error shape: errc::not_found, errc::timeout,
/// errc::exit_status ("exit status N: ..."), errc::cancelled, errc::validation.
/// Only for a result that is not ok().
error to_error(const deploy_result& r, const std::string& ticket);

} // namespace atlas
