#include <atlas/cli/config_command.hpp>

#include <atlas/core/options.hpp>

#include <CLI/CLI.hpp>

#include <iostream>

namespace atlas::cli {

void add_config_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
    "config", "Print the effective configuration (defaults, atlas.toml, environment)");
  auto file = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *file, "atlas.toml to read (default: $ATLAS_CONFIG or ./atlas.toml)");
  cmd->callback([file, &exit_code] {
    auto opts = load_options({.config_file = *file});
    if (!opts) {
      std::cerr << "atlas: " << opts.error().message() << '\n';
      exit_code = 2;
      return;
    }
    for (auto& line : describe(*opts))
      std::cout << line.key << " = " << line.value << "    # " << line.help << '\n';
    exit_code = 0;
  });
}

} // namespace atlas::cli
