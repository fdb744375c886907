#include <atlas/cli/node_command.hpp>

#include <atlas/api/runtime.hpp>
#include <atlas/core/logger.hpp>
#include <atlas/core/options.hpp>
#include <atlas/node/auth.hpp>
#include <atlas/node/metrics_registry.hpp>
#include <atlas/node/node_server.hpp>
#include <atlas/node/remote_publication.hpp>
#include <atlas/api/message_types.hpp>
#include <atlas/node/token_store.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <toml++/toml.h>

#include <CLI/CLI.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace atlas::cli {

namespace fs = std::filesystem;

namespace {

struct node_args {
  std::string config_file;
  bool sim = false;
  double sim_log_rate = 2;
  std::map<std::string, std::string> flags; ///< option key → value given on the command line
  // token subcommands
  std::string label;
  std::string token_id;
  std::string base_url;
};

// "node.project_root" → "--project-root"; other sections keep theirs:
// "logs.poll_interval" → "--logs-poll-interval".
std::string flag_for(const std::string& key) {
  std::string name = key.starts_with("node.") ? key.substr(5) : key;
  for (auto& c : name)
    if (c == '.' || c == '_')
      c = '-';
  return "--" + name;
}

expected<options> load(const node_args& args) {
  auto opts = load_options({.config_file = args.config_file});
  if (!opts)
    return opts.error();
  for (auto& [key, value] : args.flags)
    if (auto ok = set_option(*opts, key, value, flag_for(key)); !ok)
      return ok.error();
  return opts;
}

// Whether the user chose orchestrator.enabled (a flag, the environment or
// atlas.toml): --sim turns the orchestrator on only when nobody did.
bool orchestrator_chosen(const node_args& args, const env_lookup& env) {
  if (args.flags.contains("orchestrator.enabled") || env(env_name_for("orchestrator.enabled")))
    return true;
  std::string path = args.config_file;
  if (path.empty())
    path = env("ATLAS_CONFIG").value_or("");
  if (path.empty())
    path = "atlas.toml";
  std::error_code ec;
  if (!fs::exists(path, ec))
    return false;
  try {
    auto doc = toml::parse_file(path);
    return static_cast<bool>(doc["orchestrator"]["enabled"]);
  } catch (const toml::parse_error&) {
    return false; // load() has refused such a file already
  }
}

int bad_input(const error& e) {
  std::cerr << "atlas node: " << e.message() << '\n';
  return node_bad_input;
}

// The stand-in flyctl ships next to `atlas` (bin/ in the build tree and
// when installed).
std::string fake_fly_path() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{"atlas-fake-fly"} : (self.parent_path() / "atlas-fake-fly").string();
}

// A temporary directory, removed with the object.
struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& prefix) {
    std::string tmpl = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) != nullptr)
      path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path.empty())
      fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

const std::vector<std::string> demo_apps = {"demo-web", "demo-api"};

// --sim: everything Fly is the simulator and the stand-in flyctl; tokens
// are minted by it (source cli) and kept in a scratch store, never the
// user's. The node's own auth files stay where the options put them, so
// `atlas node token create` works against a simulated node too.
struct sim_setup {
  std::unique_ptr<fly_simulator> sim;
  std::unique_ptr<temp_dir> scratch;
};

expected<sim_setup> start_sim(options& opts, double log_rate) {
  sim_setup s;
  fly_simulator_options so;
  so.log_rate = log_rate;
  auto sim = fly_simulator::start(so);
  if (!sim)
    return sim.error();
  s.sim = std::move(*sim);
  for (auto& app : demo_apps)
    if (auto ok = s.sim->add_app(app); !ok)
      return ok.error();
  s.scratch = std::make_unique<temp_dir>("atlas-node-sim-");
  if (s.scratch->path.empty())
    return error{errc::persist_failed, "cannot create a scratch directory for --sim"};
  opts.fly.api_base_url = s.sim->base_url();
  opts.fly.flaps_base_url = s.sim->base_url();
  opts.fly.cli_path = fake_fly_path();
  opts.fly.org = "personal"; // the simulator's one organization
  opts.fly.config_dir = (s.scratch->path / "fly").string();
  opts.fly.access_token = secret{};
  opts.fly.access_token_set = false;
  opts.tokens.config_file_enabled = false;
  opts.tokens.storage_dir = (s.scratch->path / "tokens").string();
  // The stand-in mints the simulator's token: given in its environment
  // (inherited), never on its command line.
  ::setenv("ATLAS_SIM_TOKEN", s.sim->token().c_str(), 1);
  ::setenv("ATLAS_FAKE_FLY_UPDATE_NOTICE", "0", 1);
  // A project root of demo apps, unless one with apps is configured.
  if (opts.node.project_root == ".") {
    auto root = s.scratch->path / "projects";
    for (auto& app : demo_apps) {
      fs::create_directories(root / app);
      std::ofstream{root / app / "fly.toml"} << "# made by atlas node --sim\napp = \"" << app
                                             << "\"\nprimary_region = \"ams\"\n";
    }
    opts.node.project_root = root.string();
  }
  return s;
}

// The simulated node must not see the user's real Fly credentials.
env_lookup without_fly_credentials(env_lookup inner) {
  return [inner = std::move(inner)](const std::string& name) -> std::optional<std::string> {
    if (name == "FLY_ACCESS_TOKEN" || name == "FLY_API_TOKEN" || name == "FLY_CONFIG_DIR")
      return std::nullopt;
    return inner(name);
  };
}

int run_node(const node_args& args) {
  auto opts = load(args);
  if (!opts)
    return bad_input(opts.error());
  (void) set_log_level(opts->log_level);
  // The node's files come from the user's options, before --sim redirects
  // the Fly side to scratch space.
  auto cfg = node_config_from(*opts);

  // Blocked before any thread starts, so every thread inherits the mask and
  // only sigwait below sees the signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::optional<sim_setup> sim;
  // One registry: the runtime's telemetry and the node's own observations.
  metrics_registry metrics;
  cfg.metrics = &metrics;
  runtime_parts parts;
  parts.telemetry = &metrics;
  if (args.sim) {
    auto s = start_sim(*opts, args.sim_log_rate);
    if (!s) {
      std::cerr << "atlas node: the simulator did not start: " << s.error().message() << '\n';
      return node_failed;
    }
    sim = std::move(*s);
    // Tracked compute on the mock and on fly_machines against the simulator.
    if (!orchestrator_chosen(args, process_environment()))
      opts->orchestrator.enabled = true;
    // Machines go into a demo app the simulator serves (its logs too), not
    // a separate app the dashboard would list without logs.
    if (opts->orchestrator.fly_app.empty())
      opts->orchestrator.fly_app = demo_apps.front();
    cfg.node.project_root = opts->node.project_root;
    parts.env = without_fly_credentials(process_environment());
  }

  caf::actor_system_config sys_cfg;
  // node.caf_port: the logs handle on CAF's network layer (docs/embedding.md).
  if (opts->node.caf_port != 0) {
    sys_cfg.load<caf::io::middleman>();
    add_message_types(sys_cfg);
  }
  caf::actor_system sys{sys_cfg};
  auto rt = runtime::start(sys, *opts, std::move(parts));
  if (!rt) {
    std::cerr << "atlas node: the Atlas tree did not start: " << rt.error().message() << '\n';
    return node_failed;
  }
  auto server = node_server::start(sys, *rt, cfg);
  if (!server) {
    std::cerr << "atlas node: " << server.error().message() << '\n';
    (void) rt->stop();
    return server.error().code() == errc::validation ? node_bad_input : node_failed;
  }
  auto published = publish_remote(sys, *rt, opts->node);
  if (!published) {
    std::cerr << "atlas node: node.caf_port = " << opts->node.caf_port << ": "
              << published.error().message() << '\n';
    (void) (*server)->stop(std::chrono::seconds{1});
    (void) rt->stop();
    return published.error().code() == errc::validation ? node_bad_input : node_failed;
  }
  if (published->active())
    std::cout << "atlas node: logs handle published on CAF's network layer at " << published->bind()
              << ':' << published->port() << '\n';

  std::cout << "atlas node: serving " << (*server)->base_url() << (args.sim ? " (simulated Fly)" : "")
            << '\n'
            << "dashboard: " << (*server)->dashboard_url() << '\n'
            << std::flush;
  std::cerr << "atlas node: API tokens in " << cfg.auth_file
            << " (atlas node token create); Ctrl-C stops\n";

  int sig = 0;
  sigwait(&stop_signals, &sig);
  // A second signal: out at once, without the orderly stop.
  std::thread{[stop_signals] {
    int again = 0;
    sigwait(&stop_signals, &again);
    std::_Exit(128 + again);
  }}.detach();
  std::cerr << "atlas node: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ": stopping (a second signal exits at once)\n";
  int code = node_ok;
  if (auto ok = (*server)->stop(opts->node.shutdown_timeout); !ok) {
    std::cerr << "atlas node: " << ok.error().message() << '\n';
  }
  server->reset();
  published->stop();
  // OTP order: orchestrator, deploys, logs, tokens (storage flushed as the
  // tokens subtree stops).
  if (auto ok = rt->stop(); !ok) {
    std::cerr << "atlas node: the tree did not stop cleanly: " << ok.error().message() << '\n';
    code = node_failed;
  }
  if (sim)
    sim->sim->stop();
  std::cerr << "atlas node: stopped\n";
  return code;
}

std::string format_time(std::int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int token_create(const node_args& args) {
  auto opts = load(args);
  if (!opts)
    return bad_input(opts.error());
  token_store store{node_auth_file(*opts)};
  auto m = store.create(args.label);
  if (!m) {
    std::cerr << "atlas node token create: " << m.error().message() << '\n';
    return node_failed;
  }
  // The token alone on stdout (shown this once); the rest on stderr.
  std::cout << m->token.reveal() << '\n' << std::flush;
  std::cerr << "id: " << m->info.id << " (stored hashed in " << store.path()
            << "; this token is not shown again)\n";
  return node_ok;
}

int token_list(const node_args& args) {
  auto opts = load(args);
  if (!opts)
    return bad_input(opts.error());
  token_store store{node_auth_file(*opts)};
  auto l = store.list();
  if (!l) {
    std::cerr << "atlas node token list: " << l.error().message() << '\n';
    return node_failed;
  }
  for (auto& t : *l)
    std::cout << t.id << "  " << format_time(t.created_at) << "  " << t.label << '\n';
  return node_ok;
}

int token_revoke(const node_args& args) {
  auto opts = load(args);
  if (!opts)
    return bad_input(opts.error());
  token_store store{node_auth_file(*opts)};
  if (auto ok = store.revoke(args.token_id); !ok) {
    std::cerr << "atlas node token revoke: " << ok.error().message() << '\n';
    return ok.error().code() == errc::not_found ? node_bad_input : node_failed;
  }
  std::cerr << "revoked " << args.token_id << '\n';
  return node_ok;
}

int dashboard_url(const node_args& args) {
  auto opts = load(args);
  if (!opts)
    return bad_input(opts.error());
  auto base = args.base_url;
  if (base.empty()) {
    if (opts->node.listen.ends_with(":0"))
      return bad_input(error{errc::validation, "node.listen has port 0: give --base-url "
                                               "(the address `atlas node` printed)"});
    base = std::string{opts->node.tls_cert.empty() ? "http" : "https"} + "://" + opts->node.listen;
  }
  auto key = load_or_create_node_secret(node_secret_file(*opts));
  if (!key) {
    std::cerr << "atlas node dashboard-url: " << key.error().message() << '\n';
    return node_failed;
  }
  node_auth auth{std::make_shared<token_store>(node_auth_file(*opts)), std::move(*key)};
  std::cout << base << auth.sign("/ui/login", opts->node.session_ttl) << '\n';
  return node_ok;
}

} // namespace

void add_node_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<node_args>();
  auto* cmd = app.add_subcommand("node", "Run the standalone node: HTTP API, live logs, metrics, dashboard");
  cmd->add_option("-c,--config", args->config_file, "atlas.toml to read (default: $ATLAS_CONFIG or ./atlas.toml)");
  cmd->add_flag("--sim", args->sim, "run against the built-in Fly simulator with demo apps");
  cmd->add_option("--sim-log-rate", args->sim_log_rate, "with --sim: log lines per second and app")
    ->capture_default_str();
  // Every option as a flag (after atlas.toml and the environment).
  const options defaults;
  for (auto& line : describe(defaults)) {
    if (line.key == "fly.access_token")
      continue; // a secret never goes on a command line
    auto key = line.key;
    cmd->add_option_function<std::string>(
         flag_for(key), [args, key](const std::string& v) { args->flags[key] = v; },
         line.help + " (" + key + ", default " + line.value + ")")
      ->group("Options (also in atlas.toml and ATLAS_* variables)");
  }
  cmd->footer("Prints `atlas node: serving URL` and `dashboard: URL` on stdout. docs/node.md.");

  auto* token = cmd->add_subcommand("token", "Manage the API's bearer tokens");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "Make a token; prints it once on stdout");
  create->add_option("--label", args->label, "what the token is for");
  create->callback([args, &exit_code] { exit_code = token_create(*args); });
  auto* list = token->add_subcommand("list", "List tokens (id, created, label; never a value)");
  list->callback([args, &exit_code] { exit_code = token_list(*args); });
  auto* revoke = token->add_subcommand("revoke", "Revoke a token by id; a running node refuses it at once");
  revoke->add_option("id", args->token_id, "the token's id (from list)")->required();
  revoke->callback([args, &exit_code] { exit_code = token_revoke(*args); });

  auto* url = cmd->add_subcommand("dashboard-url", "Print a fresh signed login URL for the dashboard");
  url->add_option("--base-url", args->base_url, "the node's address (default: from node.listen)");
  url->callback([args, &exit_code] { exit_code = dashboard_url(*args); });

  cmd->callback([cmd, args, &exit_code] {
    if (!cmd->get_subcommands().empty())
      return; // a subcommand ran
    exit_code = run_node(*args);
  });
}

} // namespace atlas::cli
