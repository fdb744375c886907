#pragma once
// `atlas init [--dir D] [--force]`: writes D/atlas.toml with every key at
// its default, commented (docs/configuration.md), and creates the token
// storage directory 0700. An existing atlas.toml is kept unless --force.

#include <CLI/App.hpp>

namespace atlas::cli {

void add_init_command(CLI::App& app, int& exit_code);

} // namespace atlas::cli
