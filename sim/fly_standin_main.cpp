// atlas-fake-fly: a stand-in for flyctl, for what Atlas runs it for
// (reference/fly_api.md §3.3–3.4, docs/simulator.md "The stand-in fly"):
//
//   fly tokens create readonly [--org O | -o O | O] [--json]
//   fly deploy [-a APP] [--remote-only | --local-only] [-c fly.toml]
//   fly version
//
// It talks to no API: the token it "mints" is the one it is given (see
// token_for_minting), so that a running fly_simulator accepts it; a deploy
// is a script of flyctl's lines with configurable timing and exit status.
// Everything else is flyctl's own behaviour where Atlas depends on it: the
// token alone on stdout, notices on stderr, `Error: ...` and exit status 1
// for a failure, 127 for a run cancelled by SIGINT or SIGTERM (flyctl's
// internal/cli/cli.go maps context.Canceled to 127).

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::string_view kVersion = "0.3.100";
constexpr std::string_view kLatest = "0.3.200";
constexpr int kCancelled = 127; // flyctl: context.Canceled / terminal.InterruptErr

/// One whole line per write(2), unbuffered: a reader sees each line as soon
/// as it is printed, and stdout and stderr merged into one pipe keep their order.
void say(int fd, std::string line) {
  line += '\n';
  std::string_view rest = line;
  while (!rest.empty()) {
    auto n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}
void out(std::string line) { say(STDOUT_FILENO, std::move(line)); }
void err(std::string line) { say(STDERR_FILENO, std::move(line)); }

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr)
    return std::nullopt;
  return std::string{v};
}

long env_number(const char* name, long fallback) {
  auto v = env(name);
  if (!v || v->empty())
    return fallback;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  return (end != nullptr && *end == '\0') ? n : fallback;
}

/// flyctl's error shape (internal/cli/cli.go printError): "Error: <text>" and
/// a blank line on stderr, exit status 1.
int fail(const std::string& text) {
  err("Error: " + text);
  err("");
  return 1;
}

/// flyctl's update check prints this on stderr before a command's output
/// (internal/command/command.go); ATLAS_FAKE_FLY_UPDATE_NOTICE=0 turns it off.
void update_notice() {
  if (env("ATLAS_FAKE_FLY_UPDATE_NOTICE").value_or("1") == "0")
    return;
  err("Update available " + std::string{kVersion} + " -> v" + std::string{kLatest} + ".");
  err("Run \"fly version update\" to upgrade.");
}

// -- signals -----------------------------------------------------------------------------------

/// SIGINT and SIGTERM are blocked from the start and taken synchronously with
/// sigtimedwait: a deploy "step" is a wait for one of them, so a signal ends
/// the step at once, with no handler and nothing async-signal-unsafe.
sigset_t stop_signals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}

/// Waits `ms` milliseconds; the signal that ended the wait early, or 0.
/// ATLAS_FAKE_FLY_DEPLOY_IGNORE_SIGINT=1 leaves SIGINT blocked and never
/// taken: a fly that only SIGTERM stops (as one still releasing its leases).
int pause_for(long ms) {
  auto set = stop_signals();
  if (env("ATLAS_FAKE_FLY_DEPLOY_IGNORE_SIGINT").value_or("0") == "1")
    sigdelset(&set, SIGINT);
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  for (;;) {
    int sig = ::sigtimedwait(&set, nullptr, &ts);
    if (sig > 0)
      return sig;
    if (errno == EINTR)
      continue; // ts is not updated: a stray interruption only lengthens a step
    return 0;   // EAGAIN: the time passed
  }
}

// -- tokens create readonly --------------------------------------------------------------------

std::string strip_schemes(std::string t) {
  auto trim = [](std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    auto e = s.find_last_not_of(" \t\r\n");
    s = b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
  };
  trim(t);
  for (bool again = true; again;) {
    again = false;
    for (std::string_view scheme : {"bearer ", "flyv1 "}) {
      if (t.size() >= scheme.size()
          && std::equal(scheme.begin(), scheme.end(), t.begin(),
                        [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
        t.erase(0, scheme.size());
        trim(t);
        again = true;
      }
    }
  }
  return t;
}

/// The token to hand out: ATLAS_FAKE_FLY_TOKEN_FILE (its first line), else
/// ATLAS_SIM_TOKEN, else the token flyctl itself would run as (the first
/// *set* of FLY_ACCESS_TOKEN, FLY_API_TOKEN: reference/fly_api.md §3.2).
/// `atlas sim` prints FLY_API_TOKEN=...: exported, it is the token minted.
std::optional<std::string> token_for_minting() {
  if (auto path = env("ATLAS_FAKE_FLY_TOKEN_FILE"); path && !path->empty()) {
    std::ifstream f{*path};
    std::string line;
    if (f && std::getline(f, line) && !strip_schemes(line).empty())
      return strip_schemes(line);
    return std::nullopt;
  }
  if (auto t = env("ATLAS_SIM_TOKEN"); t && !strip_schemes(*t).empty())
    return strip_schemes(*t);
  for (const char* name : {"FLY_ACCESS_TOKEN", "FLY_API_TOKEN"})
    if (auto t = env(name)) {
      auto s = strip_schemes(*t);
      if (s.empty())
        return std::nullopt;
      return s;
    }
  return std::nullopt;
}

int tokens_create_readonly(const std::vector<std::string>& args) {
  std::string org;
  bool as_json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if ((a == "--org" || a == "-o") && i + 1 < args.size())
      org = args[++i];
    else if (a.rfind("--org=", 0) == 0)
      org = a.substr(6);
    else if (a == "--json" || a == "-j")
      as_json = true;
    else if ((a == "--expiry" || a == "-x" || a == "--name" || a == "-n") && i + 1 < args.size())
      ++i;
    else if (a == "--org" || a == "-o")
      return fail("flag needs an argument: --org");
    else if (!a.empty() && a[0] == '-')
      return fail("unknown flag: " + a);
    else if (org.empty())
      org = a; // flyctl takes the org slug as the first argument too
  }
  if (org.empty())
    org = env("FLY_ORG").value_or(env("FLY_ORGANIZATION").value_or(""));
  update_notice();
  if (org.empty())
    return fail("slug argument must be specified when not running interactively");
  auto token = token_for_minting();
  if (!token)
    return fail("no access token available. Please login with 'flyctl auth login'");
  // One line, the macaroon header form flyctl prints; never on stderr.
  std::string header = "FlyV1 " + *token;
  out(as_json ? "{\"token\":\"" + header + "\"}" : header);
  return 0;
}

// -- deploy ------------------------------------------------------------------------------------

std::string random_chars(std::string_view alphabet, std::size_t n) {
  std::random_device rd;
  std::string s;
  for (std::size_t i = 0; i < n; ++i)
    s += alphabet[rd() % alphabet.size()];
  return s;
}

/// The app of a fly.toml, with ExAtlas's rule (reference/fly_api.md §3.5).
std::string app_of(const std::filesystem::path& toml) {
  std::ifstream f{toml};
  std::string line;
  // `app = "name"` (quotes optional), at the start of a line. No <regex>:
  // GCC 12 warns inside it at -O1 (the sanitizer build), and warnings fail.
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (std::getline(f, line)) {
    if (line.rfind("app", 0) != 0)
      continue;
    std::size_t i = 3;
    while (i < line.size() && is_space(line[i]))
      ++i;
    if (i >= line.size() || line[i] != '=')
      continue;
    ++i;
    while (i < line.size() && is_space(line[i]))
      ++i;
    if (i < line.size() && (line[i] == '"' || line[i] == '\''))
      ++i;
    auto end = line.find_first_of("\"' \t", i);
    auto name = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
    if (!name.empty())
      return name;
  }
  return {};
}

int deploy(const std::vector<std::string>& args) {
  std::string app;
  std::filesystem::path config = "fly.toml";
  bool local = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if ((a == "-a" || a == "--app") && i + 1 < args.size())
      app = args[++i];
    else if (a.rfind("--app=", 0) == 0)
      app = a.substr(6);
    else if ((a == "-c" || a == "--config") && i + 1 < args.size())
      config = args[++i];
    else if (a.rfind("--config=", 0) == 0)
      config = a.substr(9);
    else if (a == "--remote-only")
      local = false;
    else if (a == "--local-only")
      local = true;
    else if (a == "--detach" || a == "-y" || a == "--yes" || a == "--now" || a == "--ha=false")
      continue;
    else if (!a.empty() && a[0] == '-')
      return fail("unknown flag: " + a);
    else if (std::filesystem::is_directory(a))
      config = std::filesystem::path{a} / "fly.toml"; // `fly deploy DIR`
  }
  update_notice();
  if (app.empty() && std::filesystem::exists(config))
    app = app_of(config);
  if (app.empty())
    return fail("the config for your app is missing an app name, add an app field to the fly.toml "
                "file or specify with the -a flag");

  const long step = std::max(0L, env_number("ATLAS_FAKE_FLY_DEPLOY_STEP_MS", 100));
  const long machines = std::clamp(env_number("ATLAS_FAKE_FLY_DEPLOY_MACHINES", 3), 1L, 100L);
  const int exit_status = static_cast<int>(env_number("ATLAS_FAKE_FLY_DEPLOY_EXIT", 0));
  const std::string crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const std::string image = "registry.fly.io/" + app + ":deployment-" + random_chars(crockford, 26);
  std::vector<std::string> ids;
  for (long i = 0; i < machines; ++i)
    ids.push_back(random_chars("0123456789abcdef", 14));

  // flyctl's order (reference/fly_api.md §3.4): status headings on stderr,
  // the summary on stdout. Each line waits one step first; a signal during
  // the wait cancels the deploy as flyctl's context does.
  struct line {
    int fd;
    std::string text;
  };
  std::vector<line> script{
    {STDERR_FILENO, "==> Verifying app config"},
    {STDERR_FILENO, "Validating " + std::filesystem::absolute(config).string()},
    {STDERR_FILENO, "✓ Configuration is valid"},
    {STDERR_FILENO, "--> Verified app config"},
    {STDERR_FILENO, "==> Building image"},
    {STDERR_FILENO, local ? "==> Building image with Docker" : "Waiting for depot builder..."},
    {STDERR_FILENO, local ? "--> docker host: 24.0.7 linux x86_64" : "==> Building image with Depot"},
    {STDERR_FILENO, "--> Building image done"},
  };
  // What a build step printed (a Dockerfile's RUN echo, a leaked build arg),
  // before the build's end: lets a test see that Atlas redacts deploy output.
  if (auto extra = env("ATLAS_FAKE_FLY_DEPLOY_BUILD_LINE"); extra && !extra->empty())
    script.insert(script.end() - 1, {STDOUT_FILENO, "#8 [build 3/4] " + *extra});
  if (local)
    script.push_back({STDERR_FILENO, "==> Pushing image to fly"});
  script.push_back({STDOUT_FILENO, "image: " + image});
  script.push_back({STDOUT_FILENO, "image size: 48 MB"});
  script.push_back({STDOUT_FILENO, ""});
  script.push_back({STDOUT_FILENO, "Watch your deployment at https://fly.io/apps/" + app + "/monitoring"});
  script.push_back({STDOUT_FILENO, ""});
  script.push_back({STDOUT_FILENO, "Updating existing machines in '" + app + "' with rolling strategy"});
  for (long i = 0; i < machines; ++i) {
    bool last = i + 1 == machines;
    std::string n = "[" + std::to_string(i + 1) + "/" + std::to_string(machines) + "]";
    script.push_back({STDOUT_FILENO, "  " + n + " Machine " + ids[static_cast<std::size_t>(i)] + " [app] update "
                                       + (last && exit_status != 0 ? "failed" : "finished: success")});
  }
  if (exit_status == 0) {
    script.push_back({STDOUT_FILENO, "  Finished deploying"});
    script.push_back({STDOUT_FILENO, "Checking DNS configuration for " + app + ".fly.dev"});
    script.push_back({STDOUT_FILENO, ""});
    script.push_back({STDOUT_FILENO, "Visit your newly deployed app at https://" + app + ".fly.dev/"});
  }

  for (auto& l : script) {
    if (int sig = pause_for(step); sig != 0) {
      // flyctl prints nothing of its own for a cancelled context; this one
      // line is the stand-in's, so a test sees the signal was taken.
      err(std::string{"interrupted by "} + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ": context canceled");
      return kCancelled;
    }
    say(l.fd, l.text);
  }
  if (exit_status != 0) {
    err("Error: failed to update machine " + ids.back() + ": smoke checks for " + ids.back()
        + " failed: the app appears to be crashing");
    err("");
  }
  return exit_status;
}

// -- the command line --------------------------------------------------------------------------

/// cobra's answer to an unknown subcommand, as flyctl prints it
/// (internal/cli/cli.go): the error on stderr, the hint on stdout, status 1.
int unknown(const std::string& what, const std::string& parent) {
  fail("unknown command \"" + what + "\" for \"" + parent + "\"");
  out("Run '" + parent + " --help' for usage.");
  out("");
  return 1;
}

int usage() {
  out("This is flyctl, the Fly.io command line interface (Atlas's stand-in: tokens create readonly, "
      "deploy, version).");
  out("");
  out("Usage:");
  out("  fly [command]");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // A parent may have left them ignored (nohup, some CI runners): an ignored
  // signal is discarded even while blocked, and flyctl does react to them.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  auto blocked = stop_signals();
  ::sigprocmask(SIG_BLOCK, &blocked, nullptr);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h")
    return usage();
  const auto& cmd = args[0];
  if (cmd == "version" || cmd == "--version" || cmd == "-v") {
    out("fly v" + std::string{kVersion} + " linux/amd64 Commit: atlas-stand-in BuildDate: 2026-01-01T00:00:00Z");
    return 0;
  }
  if (cmd == "deploy")
    return deploy({args.begin() + 1, args.end()});
  if (cmd == "tokens" || cmd == "token") {
    if (args.size() < 2)
      return usage();
    if (args[1] != "create")
      return unknown(args[1], "fly tokens");
    if (args.size() < 3)
      return usage();
    if (args[2] != "readonly")
      return unknown(args[2], "fly tokens create");
    return tokens_create_readonly({args.begin() + 3, args.end()});
  }
  return unknown(cmd, "fly");
}
