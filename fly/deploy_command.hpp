#pragma once
// `fly deploy --remote-only` in a project directory (reference/fly_api.md
// §3.4), run without blocking anyone: stdout and stderr merged into lines,
// empty lines dropped, each line redacted, the exit once. Stopping is
// lease-safe: SIGINT to the process group first (flyctl then releases its
// machine leases), `grace`, SIGTERM, `grace`, SIGKILL; the result says which
// step ended it (ExAtlas only disconnected the process, §20 defect 14).

#include <atlas/core/expected.hpp>
#include <atlas/fly/subprocess.hpp>

#include <functional>
#include <string>
#include <vector>

namespace atlas {

/// One `fly deploy --remote-only` to run.
struct deploy_request {
  std::string cli_path = "fly"; ///< option fly.cli_path: a path, or a name on PATH
  std::string dir;              ///< the project directory (the working directory)
  std::string app;              ///< --app, when given
  std::string config;           ///< --config, when given
  duration timeout{0};          ///< absolute cap; 0: none
  duration activity_timeout{0}; ///< no output this long: stopped; 0: none
  duration grace = std::chrono::seconds{5}; ///< after SIGINT, then after SIGTERM
  std::size_t max_line = 16 * 1024;         ///< longer lines are cut here
  std::vector<std::string> env;             ///< "NAME=value" for flyctl (tokens go here)
};

/// The command line: "deploy --remote-only [--app A] [--config C]".
std::vector<std::string> deploy_arguments(const deploy_request& req);

/// "exit" (it ended by itself), "SIGINT", "SIGTERM" or "SIGKILL": the step of
/// the stop ladder that ended a stopped process.
std::string stop_step_name(const process_result& r);

/// Where a deploy's output and end go.
struct deploy_callbacks {
  /// A non-empty, redacted line, in output order, on the runner's thread.
  std::function<void(std::string line)> on_line;
  /// Once, after every line.
  std::function<void(const process_result&)> on_exit;
};

/// Starts the deploy. errc::not_found when there is no `fly` (the message
/// says where it looked); errc::validation when `dir` is not a directory.
expected<process_handle> start_deploy(process_runner& runner, const deploy_request& req,
                                      deploy_callbacks cb);

} // namespace atlas
