#pragma once
// `fly tokens create readonly --org ORG`: the `cli` link of the token chain
// (reference/fly_api.md §3.3). The token is org-wide: the apps of one org
// share it (the token layer runs this once per org, not once per app).

#include <atlas/core/expected.hpp>
#include <atlas/core/secret.hpp>
#include <atlas/fly/subprocess.hpp>

#include <functional>
#include <string>

namespace atlas {

/// How to run `fly tokens create readonly`.
struct token_cli_request {
  std::string cli_path = "fly"; ///< option fly.cli_path: a path, or a name on PATH
  std::string org;              ///< option fly.org, else FLY_ORG; required
  duration timeout = std::chrono::seconds{15}; ///< longest run; then it is stopped (SIGTERM, SIGKILL) and the answer is errc::timeout
};

/// Starts the CLI; `done` gets, exactly once on the runner's thread, the
/// token (from stdout only, shape-checked: flyctl's update notices go to
/// stderr and never become a token) or:
/// - errc::timeout: it ran past `timeout`; it and its children were killed;
/// - errc::exit_status: it failed; the message has the end of its stderr, redacted;
/// - errc::validation: it printed no token of a valid shape on stdout.
/// Fails at once, without calling `done`, with errc::validation when no org
/// is given (flyctl cannot ask for one without a terminal) or
/// errc::not_found when there is no `fly`.
expected<process_handle> mint_readonly_token(process_runner& runner, const token_cli_request& req,
                                             std::function<void(expected<secret>)> done);

} // namespace atlas
