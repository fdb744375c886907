#pragma once
// `atlas deploy [DIR] [--app A] [--timeout D] [--json]`: `fly deploy
// --remote-only` streamed live, lease-safely stopped on Ctrl-C or a timeout
// (docs/deploys.md).

#include <CLI/CLI.hpp>

namespace atlas::cli {

enum deploy_exit : int {
  deploy_ok = 0,        ///< flyctl exited 0
  deploy_failed = 1,    ///< flyctl exited non-zero, or was cancelled (Ctrl-C)
  deploy_bad_input = 2, ///< bad configuration, directory or option
  deploy_no_fly = 3,    ///< no `fly` (fly.cli_path, PATH)
  deploy_timed_out = 4, ///< the activity or absolute timeout stopped it
};

void add_deploy_command(CLI::App& app, int& exit_code);

} // namespace atlas::cli
