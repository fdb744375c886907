// The `atlas` executable: one CLI11 app, one file per command.

#include <atlas/cli/config_command.hpp>
#include <atlas/cli/apps_command.hpp>
#include <atlas/cli/compute_command.hpp>
#include <atlas/cli/deploy_command.hpp>
#include <atlas/cli/init_command.hpp>
#include <atlas/cli/logs_command.hpp>
#include <atlas/cli/node_command.hpp>
#include <atlas/cli/sim_command.hpp>
#include <atlas/cli/token_command.hpp>
#include <atlas/core/version.hpp>

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  CLI::App app{"Atlas: supervised Fly.io operations (tokens, logs, deploys, compute) "
               "on the C++ Actor Framework",
               "atlas"};
  app.set_version_flag("-V,--version", "atlas " + std::string{atlas::version()});
  app.require_subcommand(0, 1);
  app.footer("Run `atlas COMMAND --help` for a command's options. Docs: docs/ in the source tree.");

  int exit_code = 0;
  atlas::cli::add_config_command(app, exit_code);
  atlas::cli::add_token_command(app, exit_code);
  atlas::cli::add_logs_command(app, exit_code);
  atlas::cli::add_deploy_command(app, exit_code);
  atlas::cli::add_apps_command(app, exit_code);
  atlas::cli::add_sim_command(app, exit_code);
  atlas::cli::add_init_command(app, exit_code);
  atlas::cli::add_node_command(app, exit_code);
  atlas::cli::add_compute_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (argc == 1) {
    std::cout << app.help();
    return 0;
  }
  return exit_code;
}
