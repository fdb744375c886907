#pragma once
// `atlas compute spawn|list|touch|stop|terminate` (docs/orchestrator.md):
// provider calls from the command line. A CLI process tracks nothing after
// it exits, so `spawn` is untracked unless --track (then the resource lives
// while the command runs and is terminated when it stops), and `touch`
// needs a running `atlas node` (--node URL).

#include <CLI/CLI.hpp>

namespace atlas::cli {

enum compute_exit : int {
  compute_ok = 0,
  compute_failed = 1,    ///< the provider or the node refused or failed
  compute_bad_input = 2, ///< bad configuration, option or request field
  compute_no_token = 3,  ///< fly_machines without a token
  compute_not_found = 4, ///< no such resource or provider
};

void add_compute_command(CLI::App& app, int& exit_code);

} // namespace atlas::cli
