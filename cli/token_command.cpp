#include <atlas/cli/token_command.hpp>

#include <atlas/api/tokens.hpp>
#include <atlas/core/logger.hpp>
#include <atlas/core/options.hpp>

#include <CLI/CLI.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <iterator>

namespace atlas::cli {

namespace {

int exit_for(const error& e) {
  switch (e.code()) {
    case errc::validation: return token_bad_input;
    case errc::no_token_available: return token_none;
    case errc::persist_failed:
    case errc::storage_corrupt: return token_storage;
    case errc::timeout: return token_timeout;
    default: return token_failed;
  }
}

int token_fail(const error& e) {
  std::cerr << "atlas token: " << to_string(e) << '\n';
  return exit_for(e);
}

// The whole of stdin, without the line end a shell or a paste adds. On a
// terminal the input is not echoed.
std::string read_token_from_stdin() {
  bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    std::cerr << "token (not echoed), then Enter: " << std::flush;
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string text;
  if (tty)
    std::getline(std::cin, text);
  else
    text.assign(std::istreambuf_iterator<char>{std::cin}, {});
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << '\n';
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

struct token_args {
  std::string config_file;
  std::string app;
};

// Starts a tokens subtree for this one command and stops it afterwards.
template <class Op>
int with_tokens(const token_args& args, Op op) {
  auto opts = load_options({.config_file = args.config_file});
  if (!opts) {
    std::cerr << "atlas: " << opts.error().message() << '\n';
    return token_bad_input;
  }
  // Routine reports would bury the answer; warnings and errors still show.
  (void) set_log_level(opts->log_level == "info" ? "warn" : opts->log_level);
  if (auto ok = validate_app_name(args.app); !ok)
    return token_fail(ok.error());
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto svc = make_token_services(*opts, std::make_shared<process_runner>());
  auto api = tokens::start(sys, svc);
  if (!api)
    return token_fail(api.error());
  int code = op(*api);
  (void) api->stop();
  return code;
}

int print(const expected<token_answer>& r) {
  if (!r)
    return token_fail(r.error());
  std::cout << r->token.reveal() << '\n';
  std::cerr << "source: " << to_string(r->source) << '\n';
  return token_ok;
}

void add(CLI::App& parent, const std::string& name, const std::string& help, int& exit_code,
         std::function<int(const tokens&, const std::string& app)> run) {
  auto args = std::make_shared<token_args>();
  auto* cmd = parent.add_subcommand(name, help);
  cmd->add_option("APP", args->app, "Fly app name")->required();
  cmd->add_option("-c,--config", args->config_file,
                  "atlas.toml to read (default: $ATLAS_CONFIG or ./atlas.toml)");
  cmd->callback([args, run, &exit_code] {
    exit_code = with_tokens(*args, [&](const tokens& api) { return run(api, args->app); });
  });
}

} // namespace

void add_token_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("token", "Fly API tokens: get, invalidate, refresh, set-manual");
  cmd->require_subcommand(1);
  cmd->footer("Exit status: 0 ok, 1 other failure, 2 bad input (configuration, app name, "
              "token shape), 3 no token available, 4 storage failure, 5 timeout.");
  add(*cmd, "get", "Print the app's token on stdout (its source on stderr)", exit_code,
      [](const tokens& api, const std::string& a) { return print(api.get(a)); });
  add(*cmd, "refresh", "Forget the app's token and acquire a new one; print it", exit_code,
      [](const tokens& api, const std::string& a) { return print(api.refresh(a)); });
  add(*cmd, "invalidate", "Forget the app's token, cached and stored", exit_code,
      [](const tokens& api, const std::string& a) {
        auto r = api.invalidate(a);
        return r ? token_ok : token_fail(r.error());
      });
  add(*cmd, "set-manual", "Store a manual token for the app, read from stdin (never argv)",
      exit_code, [](const tokens& api, const std::string& a) {
        auto text = read_token_from_stdin();
        if (text.empty())
          return token_fail(error{errc::validation, "set-manual: no token on stdin"});
        auto r = api.set_manual(a, secret{std::move(text)});
        return r ? token_ok : token_fail(r.error());
      });
}

} // namespace atlas::cli
