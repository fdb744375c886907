#pragma once
// `atlas apps discover [DIR] [--max-depth N] [--json]`: the Fly apps of a
// project tree (docs/deploys.md).

#include <CLI/CLI.hpp>

namespace atlas::cli {

enum apps_exit : int {
  apps_ok = 0,       ///< listed (problems, if any, on stderr)
  apps_failed = 1,   ///< DIR is not a directory
  apps_bad_input = 2,
};

void add_apps_command(CLI::App& app, int& exit_code);

} // namespace atlas::cli
