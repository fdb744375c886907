#pragma once
// `atlas config`: the effective configuration, after atlas.toml and the environment.

#include <CLI/App.hpp>

namespace atlas::cli {

/// Adds `config` to `app`; the command runs when its callback fires.
void add_config_command(CLI::App& app, int& exit_code);

} // namespace atlas::cli
