#include <atlas/cli/sim_command.hpp>

#include <atlas/sim/fly_simulator.hpp>

#include <csignal>
#include <iostream>
#include <memory>
#include <pthread.h>
#include <string>

namespace atlas::cli {

namespace {

struct sim_args {
  std::string listen = "127.0.0.1:0";
  int apps = 0;
  double log_rate = 1;
};

int run_sim(const sim_args& args) {
  auto colon = args.listen.rfind(':');
  fly_simulator_options o;
  try {
    if (colon == std::string::npos)
      throw std::invalid_argument{"no port"};
    o.host = args.listen.substr(0, colon);
    if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']')
      o.host = o.host.substr(1, o.host.size() - 2);
    auto port = std::stoul(args.listen.substr(colon + 1));
    if (port > 65535)
      throw std::out_of_range{"port"};
    o.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    std::cerr << "atlas sim: --listen \"" << args.listen
              << "\": expected HOST:PORT with an IP address and a port from 0 to 65535\n";
    return 2;
  }
  if (!(args.log_rate >= 0 && args.log_rate <= 100000)) {
    std::cerr << "atlas sim: --log-rate " << args.log_rate << ": lines per second and app, from 0 to 100000\n";
    return 2;
  }
  o.log_rate = args.log_rate;
  if (args.apps < 0 || args.apps > 10000) {
    std::cerr << "atlas sim: --apps " << args.apps << ": from 0 to 10000\n";
    return 2;
  }
  // Signals are taken by sigwait below, not by a handler on some thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto sim = fly_simulator::start(o);
  if (!sim) {
    std::cerr << "atlas sim: " << sim.error().message() << '\n';
    return 1;
  }
  for (int i = 1; i <= args.apps; ++i)
    if (auto added = (*sim)->add_app("app-" + std::to_string(i)); !added) {
      std::cerr << "atlas sim: " << added.error().message() << '\n';
      return 1;
    }
  // The simulator's own token: printing it is the point (nothing real).
  std::cout << "FLY_FLAPS_BASE_URL=" << (*sim)->base_url() << '\n'
            << "FLY_API_BASE_URL=" << (*sim)->base_url() << '\n'
            << "FLY_API_TOKEN=" << (*sim)->token() << '\n'
            << std::flush;
  std::cerr << "atlas sim: serving " << args.apps << " app(s); Ctrl-C stops\n";
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*sim)->stop();
  return 0;
}

} // namespace

void add_sim_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<sim_args>();
  auto* cmd = app.add_subcommand("sim", "Run the Fly simulator (Machines API) until Ctrl-C");
  cmd->add_option("--listen", args->listen, "HOST:PORT to listen on (port 0: any free one)")
    ->capture_default_str();
  cmd->add_option("--apps", args->apps, "apps to create at start (app-1, app-2, ...)")
    ->capture_default_str();
  cmd->add_option("--log-rate", args->log_rate, "log lines made up per second and app")->capture_default_str();
  cmd->footer("Prints FLY_FLAPS_BASE_URL=..., FLY_API_BASE_URL=... and FLY_API_TOKEN=... on stdout. "
              "See docs/simulator.md.");
  cmd->callback([args, &exit_code] { exit_code = run_sim(*args); });
}

} // namespace atlas::cli
