#pragma once
// `atlas logs APP [--region R] [--machine ID] [--json] [--no-tail] [--since
// DURATION|TIME]`: an app's live logs in a terminal, flyctl's flags plus a
// start time flyctl lacks. Lines go to stdout as they arrive, redacted;
// Ctrl-C ends it cleanly (docs/logs.md).

#include <CLI/App.hpp>

namespace atlas::cli {

/// Exit statuses of `atlas logs`.
enum logs_exit : int {
  logs_ok = 0,        ///< Ctrl-C, or --no-tail read everything
  logs_failed = 1,    ///< the streamer stopped (no such app, refused token) or another error
  logs_bad_input = 2, ///< bad configuration, app name, filter or --since
  logs_no_token = 3,  ///< errc::no_token_available
};

void add_logs_command(CLI::App& app, int& exit_code);

} // namespace atlas::cli
