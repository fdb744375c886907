#pragma once
// `atlas sim [--listen HOST:PORT] [--apps N] [--log-rate R]`: the Fly simulator on its own
// (docs/simulator.md). Prints where it listens and the token it accepts as
// environment assignments, then serves until SIGINT or SIGTERM.

#include <CLI/App.hpp>

namespace atlas::cli {

/// Adds `sim` to `app`.
void add_sim_command(CLI::App& app, int& exit_code);

} // namespace atlas::cli
