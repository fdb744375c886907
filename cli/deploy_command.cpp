#include <atlas/cli/deploy_command.hpp>

#include <atlas/api/deploys.hpp>
#include <atlas/core/logger.hpp>
#include <atlas/core/options.hpp>
#include <atlas/fly/deploy_events.hpp>

#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <csignal>
#include <iostream>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace atlas::cli {

namespace {

struct deploy_args {
  std::string config_file;
  std::string dir = ".";
  std::string app;
  std::string fly_config;
  std::string timeout;
  std::string activity_timeout;
  bool json = false;
};

int code_for(errc c) {
  switch (c) {
    case errc::not_found: return deploy_no_fly;
    case errc::validation: return deploy_bad_input;
    case errc::timeout: return deploy_timed_out;
    default: return deploy_failed;
  }
}

int deploy_fail(const error& e) {
  std::cerr << "atlas deploy: " << to_string(e) << '\n';
  return code_for(e.code());
}

boost::json::object event_json(const std::string& ticket, const std::string& line) {
  auto e = parse_deploy_line(line);
  boost::json::object o{{"type", "line"}, {"ticket", ticket}, {"event", to_string(e.kind)}, {"line", line}};
  if (!e.value.empty())
    o["value"] = e.value;
  if (e.kind == deploy_event_kind::machine) {
    o["index"] = e.index;
    o["total"] = e.total;
    o["success"] = e.success;
  }
  return o;
}

boost::json::object exit_json(const std::string& ticket, const deploy_result& r) {
  return {{"type", "exit"},         {"ticket", ticket},
          {"status", to_string(r.status)}, {"exit_code", r.exit_code},
          {"stopped_by", r.stopped_by}, {"reason", r.reason},
          {"lines", r.lines},       {"duration_ms", r.duration_ms},
          {"image", r.image},       {"machines_done", r.machines_done},
          {"machines_total", r.machines_total}, {"contradiction", r.contradiction}};
}

// The progress line of a terminal: a spinner, the current phase, machines.
struct progress {
  bool tty = false;
  std::size_t tick = 0;
  std::string phase = "starting";
  deploy_summary summary;
  void clear() const {
    if (tty)
      std::cerr << "\r\x1b[2K" << std::flush;
  }
  void draw() {
    if (!tty)
      return;
    static const char* spin[] = {"|", "/", "-", "\\"};
    std::cerr << "\r\x1b[2K" << spin[tick++ % 4] << ' ' << phase;
    if (summary.machines_total > 0)
      std::cerr << "  machines " << summary.machines_done << '/' << summary.machines_total;
    std::cerr << std::flush;
  }
  void add(const std::string& line) {
    auto e = parse_deploy_line(line);
    summary.add(e);
    if (e.kind == deploy_event_kind::phase_started)
      phase = e.value;
  }
};

expected<duration> duration_arg(const std::string& name, const std::string& text) {
  if (text.empty())
    return duration{0};
  auto d = parse_duration(text);
  if (!d)
    return error{errc::validation, name + " \"" + text + "\": not a duration (90s, 10m, 1h)"};
  return d;
}

int run_deploy(const deploy_args& args) {
  auto opts = load_options({.config_file = args.config_file});
  if (!opts) {
    std::cerr << "atlas: " << opts.error().message() << '\n';
    return deploy_bad_input;
  }
  (void) set_log_level(opts->log_level == "info" ? "warn" : opts->log_level);
  deploy_options o;
  o.app = args.app;
  o.config = args.fly_config;
  auto t = duration_arg("--timeout", args.timeout);
  auto at = duration_arg("--activity-timeout", args.activity_timeout);
  if (!t)
    return deploy_fail(t.error());
  if (!at)
    return deploy_fail(at.error());
  o.timeout = *t;
  o.activity_timeout = *at;

  // Blocked before any thread starts: only sigwait sees Ctrl-C, which
  // cancels the deploy lease-safely instead of killing flyctl.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto api = deploys::start(sys, make_deploy_services(*opts));
  if (!api)
    return deploy_fail(api.error());
  auto ticket = new_deploy_ticket();
  caf::scoped_actor self{sys, true};
  if (auto ok = api->stream_deploy(self, args.dir, ticket, o); !ok) {
    (void) api->stop();
    return deploy_fail(ok.error());
  }
  std::atomic<bool> done{false};
  std::thread waiter{[&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (!done)
      (void) api->cancel(ticket);
  }};
  progress bar;
  bar.tty = !args.json && ::isatty(STDERR_FILENO) && ::isatty(STDOUT_FILENO);
  std::optional<deploy_result> result;
  while (!result) {
    self->receive(
      [&](deploy_line_atom, const std::string&, const std::string& line) {
        if (args.json) {
          std::cout << boost::json::serialize(event_json(ticket, line)) << '\n' << std::flush;
          return;
        }
        bar.clear();
        bar.add(line);
        std::cout << line << '\n' << std::flush;
        bar.draw();
      },
      [&](deploy_exit_atom, const std::string&, deploy_result& r) { result = std::move(r); },
      caf::after(std::chrono::milliseconds{120}) >> [&] { bar.draw(); });
  }
  done = true;
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  bar.clear();
  if (args.json)
    std::cout << boost::json::serialize(exit_json(ticket, *result)) << '\n';
  else
    std::cout << "exit status: " << result->exit_code << " (" << to_string(result->status)
              << (result->stopped_by != "exit" ? ", stopped by " + result->stopped_by : std::string{})
              << ")\n";
  if (!result->contradiction.empty())
    std::cerr << "atlas deploy: warning: " << result->contradiction << '\n';
  (void) api->stop();
  if (result->ok())
    return deploy_ok;
  if (!args.json)
    std::cerr << "atlas deploy: " << to_error(*result, ticket).message().substr(0, 300) << '\n';
  return result->status == deploy_status::timeout ? deploy_timed_out : deploy_failed;
}

} // namespace

void add_deploy_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<deploy_args>();
  auto* cmd = app.add_subcommand("deploy", "Run `fly deploy --remote-only` in DIR, streaming its lines");
  cmd->add_option("dir", args->dir, "the project directory (default: .)");
  cmd->add_option("-a,--app", args->app, "the Fly app (default: the fly.toml's)");
  cmd->add_option("-c,--fly-config", args->fly_config, "the fly.toml to use (flyctl's --config)");
  cmd->add_option("--timeout", args->timeout, "stop it after this long (default deploys.absolute_timeout, 30m)");
  cmd->add_option("--activity-timeout", args->activity_timeout,
                  "stop it when silent this long (default deploys.activity_timeout, 5m)");
  cmd->add_flag("--json", args->json, "one JSON event per line, then the exit");
  cmd->add_option("--config", args->config_file, "atlas.toml to read");
  cmd->footer("Ctrl-C stops flyctl lease-safely (SIGINT, grace, SIGTERM, grace, SIGKILL). Exit "
              "status: 0 deployed, 1 flyctl failed or was cancelled, 2 bad input, 3 no fly, 4 "
              "timed out. See docs/deploys.md.");
  cmd->callback([args, &exit_code] { exit_code = run_deploy(*args); });
}

} // namespace atlas::cli
