// The stand-in `fly` (sim/fly_standin_main.cpp, target atlas-fake-fly) run
// as Atlas runs flyctl: through fly/subprocess and fly/token_cli, against a
// running simulator. Waits on its output lines with deadlines, never sleeps.
#include "../support/wait.hpp"

#include <atlas/core/token_shape.hpp>
#include <atlas/fly/subprocess.hpp>
#include <atlas/fly/token_cli.hpp>
#include <atlas/net/fly_machines_client.hpp>
#include <atlas/sim/fly_simulator.hpp>

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>

#ifndef ATLAS_FAKE_FLY
#error "ATLAS_FAKE_FLY: the path of atlas-fake-fly, set by tests/CMakeLists.txt"
#endif

namespace fs = std::filesystem;
using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

/// One run of the stand-in: its lines as they come, its end.
struct fly_run {
  std::mutex mtx;
  std::vector<std::string> out, err;
  std::optional<process_result> result;
  event done;
  std::string watched; ///< a line prefix to be told about
  event saw_watched;

  process_callbacks callbacks() {
    process_callbacks cb;
    cb.on_line = [this](std::string line, bool from_err) {
      std::lock_guard g{mtx};
      if (!watched.empty() && line.rfind(watched, 0) == 0)
        saw_watched.set();
      (from_err ? err : out).push_back(std::move(line));
    };
    cb.on_exit = [this](const process_result& r) {
      {
        std::lock_guard g{mtx};
        result = r;
      }
      done.set();
    };
    return cb;
  }
  std::vector<std::string> out_lines() {
    std::lock_guard g{mtx};
    return out;
  }
  std::vector<std::string> err_lines() {
    std::lock_guard g{mtx};
    return err;
  }
};

process_spec fake_fly(std::vector<std::string> args, std::vector<std::string> env = {}) {
  process_spec s;
  s.executable = ATLAS_FAKE_FLY;
  s.args = std::move(args);
  // Hermetic: no token or notice setting from the machine running the tests
  // (each name once: the child's getenv would see the first of two).
  std::map<std::string, std::string> vars{{"ATLAS_FAKE_FLY_TOKEN_FILE", ""}, {"ATLAS_SIM_TOKEN", ""},
                                          {"FLY_ACCESS_TOKEN", ""},          {"FLY_API_TOKEN", ""},
                                          {"FLY_ORG", ""},                   {"FLY_ORGANIZATION", ""},
                                          {"ATLAS_FAKE_FLY_UPDATE_NOTICE", "1"}};
  for (auto& e : env)
    vars[e.substr(0, e.find('='))] = e.substr(e.find('=') + 1);
  for (auto& [k, v] : vars)
    s.env.push_back(k + "=" + v);
  s.timeout = 30s;
  return s;
}

bool contains(const std::vector<std::string>& lines, std::string_view needle) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

/// The index of the first line at or after `from` that begins with `prefix`, or npos.
std::size_t find_from(const std::vector<std::string>& lines, std::size_t from, std::string_view prefix) {
  for (std::size_t i = from; i < lines.size(); ++i)
    if (lines[i].rfind(prefix, 0) == 0)
      return i;
  return std::string::npos;
}

/// Lists the simulator's apps with `token`: true when it was accepted.
bool simulator_accepts(fly_simulator& sim, const secret& token) {
  auto http = *http_client::create();
  fly_machines_options o;
  o.base_url = sim.base_url();
  fly_machines_client fly{*http, token, o};
  auto p = std::make_shared<std::promise<expected<std::vector<fly_app>>>>();
  auto f = p->get_future();
  fly.list_apps("personal", [p](expected<std::vector<fly_app>> r) { p->set_value(std::move(r)); });
  REQUIRE(f.wait_for(default_deadline) == std::future_status::ready);
  auto r = f.get();
  if (!r)
    MESSAGE(r.error().message());
  return r.has_value() && r->size() == 1;
}

struct scratch_dir {
  fs::path path;
  scratch_dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("atlas-fake-fly-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// Sets an environment variable for the scope (for fly/token_cli, whose
/// child inherits this process's environment), then restores it.
struct scoped_env {
  std::string name;
  std::optional<std::string> old;
  scoped_env(std::string n, const std::string& value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str()))
      old = v;
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~scoped_env() {
    if (old)
      ::setenv(name.c_str(), old->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

} // namespace

TEST_CASE("tokens create readonly prints one FlyV1 line on stdout that the simulator accepts, the update notice on stderr") {
  auto sim = *fly_simulator::start();
  REQUIRE(sim->add_app("web-1"));
  process_runner runner;
  fly_run run;
  REQUIRE(runner.start(fake_fly({"tokens", "create", "readonly", "--org", "personal"},
                                {"ATLAS_SIM_TOKEN=" + sim->token()}),
                       run.callbacks()));
  REQUIRE(run.done.wait());
  CHECK(run.result->end == process_end::exited);
  CHECK(run.result->exit_code == 0);
  auto out = run.out_lines();
  REQUIRE(out.size() == 1);
  CHECK(out[0] == "FlyV1 " + sim->token());
  CHECK_FALSE(contains(out, "Update available"));
  auto err = run.err_lines();
  CHECK(contains(err, "Update available 0.3.100 -> v0.3.200."));
  CHECK(contains(err, "Run \"fly version update\" to upgrade."));
  CHECK_FALSE(contains(err, sim->token()));

  auto token = parse_token(out[0]);
  REQUIRE(token);
  CHECK(simulator_accepts(*sim, *token));
  CHECK_FALSE(simulator_accepts(*sim, secret{"fo1_notthesimulatorstokenatall"}));
}

TEST_CASE("Atlas's own token_cli mints through the stand-in from a token file, the org as flyctl takes it") {
  auto sim = *fly_simulator::start();
  REQUIRE(sim->add_app("web-1"));
  scratch_dir d;
  std::ofstream{d.path / "token"} << sim->token() << "\n";
  scoped_env file{"ATLAS_FAKE_FLY_TOKEN_FILE", (d.path / "token").string()};
  process_runner runner;
  auto p = std::make_shared<std::promise<expected<secret>>>();
  auto f = p->get_future();
  REQUIRE(mint_readonly_token(runner, {ATLAS_FAKE_FLY, "personal", 10s},
                              [p](expected<secret> r) { p->set_value(std::move(r)); }));
  REQUIRE(f.wait_for(default_deadline) == std::future_status::ready);
  auto token = f.get();
  REQUIRE(token);
  CHECK(token->reveal() == sim->token());
  CHECK(simulator_accepts(*sim, *token));
}

TEST_CASE("tokens create readonly without an org fails as flyctl does, with nothing on stdout") {
  process_runner runner;
  fly_run run;
  REQUIRE(runner.start(fake_fly({"tokens", "create", "readonly"}, {"ATLAS_SIM_TOKEN=fo1_whatevertokenvalue"}),
                       run.callbacks()));
  REQUIRE(run.done.wait());
  CHECK(run.result->exit_code == 1);
  CHECK(run.out_lines().empty());
  CHECK(contains(run.err_lines(), "Error: slug argument must be specified when not running interactively"));
}

TEST_CASE("tokens create readonly with no token to mint from fails with flyctl's login error") {
  process_runner runner;
  fly_run run;
  REQUIRE(runner.start(fake_fly({"tokens", "create", "readonly", "-o", "personal"}), run.callbacks()));
  REQUIRE(run.done.wait());
  CHECK(run.result->exit_code == 1);
  CHECK(run.out_lines().empty());
  CHECK(contains(run.err_lines(), "Error: no access token available. Please login with 'flyctl auth login'"));
}

TEST_CASE("deploy prints flyctl's blocks and machine lines in order and exits 0") {
  process_runner runner;
  fly_run run;
  auto spec = fake_fly({"deploy", "-a", "web-1", "--remote-only"}, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0"});
  spec.merge_stderr = true; // as ExAtlas streams it: one pipe, flyctl's order
  REQUIRE(runner.start(spec, run.callbacks()));
  REQUIRE(run.done.wait());
  CHECK(run.result->end == process_end::exited);
  CHECK(run.result->exit_code == 0);
  auto lines = run.out_lines();
  std::size_t at = 0;
  for (std::string_view expected_line :
       {"==> Verifying app config", "--> Verified app config", "==> Building image", "Waiting for depot builder...",
        "==> Building image with Depot", "--> Building image done", "image: registry.fly.io/web-1:deployment-",
        "Watch your deployment at https://fly.io/apps/web-1/monitoring",
        "Updating existing machines in 'web-1' with rolling strategy", "  [1/3] Machine ", "  [2/3] Machine ",
        "  [3/3] Machine ", "  Finished deploying", "Checking DNS configuration for web-1.fly.dev",
        "Visit your newly deployed app at https://web-1.fly.dev/"}) {
    auto i = find_from(lines, at, expected_line);
    INFO("missing or out of order: " << expected_line);
    REQUIRE(i != std::string::npos);
    at = i + 1;
  }
  CHECK(contains(lines, "[app] update finished: success"));
}

TEST_CASE("deploy takes the app from fly.toml in its directory, headings on stderr and the summary on stdout") {
  scratch_dir d;
  std::ofstream{d.path / "fly.toml"} << "app = 'from-toml'\nprimary_region = \"ams\"\n";
  process_runner runner;
  fly_run run;
  auto spec = fake_fly({"deploy"}, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0", "ATLAS_FAKE_FLY_DEPLOY_MACHINES=2"});
  spec.cwd = d.path.string();
  REQUIRE(runner.start(spec, run.callbacks()));
  REQUIRE(run.done.wait());
  CHECK(run.result->exit_code == 0);
  auto out = run.out_lines();
  auto err = run.err_lines();
  CHECK(contains(err, "==> Verifying app config"));
  CHECK_FALSE(contains(out, "==> "));
  CHECK(contains(out, "  [2/2] Machine "));
  CHECK(contains(out, "https://from-toml.fly.dev/"));
}

TEST_CASE("deploy exits with ATLAS_FAKE_FLY_DEPLOY_EXIT after a failed machine update and an Error line") {
  process_runner runner;
  fly_run run;
  auto spec = fake_fly({"deploy", "-a", "web-1"}, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0", "ATLAS_FAKE_FLY_DEPLOY_EXIT=3"});
  spec.merge_stderr = true;
  REQUIRE(runner.start(spec, run.callbacks()));
  REQUIRE(run.done.wait());
  CHECK(run.result->end == process_end::exited);
  CHECK(run.result->exit_code == 3);
  auto lines = run.out_lines();
  auto failed = find_from(lines, 0, "  [3/3] Machine ");
  REQUIRE(failed != std::string::npos);
  CHECK(lines[failed].find("update failed") != std::string::npos);
  CHECK(find_from(lines, failed, "Error: failed to update machine ") != std::string::npos);
  CHECK_FALSE(contains(lines, "Visit your newly deployed app"));
}

TEST_CASE("deploy without an app anywhere fails as flyctl does") {
  scratch_dir d; // no fly.toml here
  process_runner runner;
  fly_run run;
  auto spec = fake_fly({"deploy"}, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0"});
  spec.cwd = d.path.string();
  REQUIRE(runner.start(spec, run.callbacks()));
  REQUIRE(run.done.wait());
  CHECK(run.result->exit_code == 1);
  CHECK(contains(run.err_lines(), "Error: the config for your app is missing an app name"));
}

TEST_CASE("SIGINT during a deploy: an interruption line, no further output, exit 127 as flyctl's cancelled context") {
  process_runner runner;
  fly_run run;
  run.watched = "==> Building image";
  // Long steps: the signal lands while the deploy still has most of its lines to go.
  auto spec = fake_fly({"deploy", "-a", "web-1"}, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=300"});
  spec.merge_stderr = true;
  auto h = runner.start(spec, run.callbacks());
  REQUIRE(h);
  REQUIRE(run.saw_watched.wait());
  REQUIRE(::kill(h->pid(), SIGINT) == 0);
  REQUIRE(run.done.wait());
  CHECK(run.result->end == process_end::exited);
  CHECK(run.result->exit_code == 127);
  auto lines = run.out_lines();
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.back() == "interrupted by SIGINT: context canceled");
  CHECK_FALSE(contains(lines, "Updating existing machines"));
}

TEST_CASE("an unknown subcommand fails as flyctl does: the error on stderr, the usage hint on stdout, exit 1") {
  process_runner runner;
  fly_run run;
  REQUIRE(runner.start(fake_fly({"frobnicate"}), run.callbacks()));
  REQUIRE(run.done.wait());
  CHECK(run.result->exit_code == 1);
  CHECK(contains(run.err_lines(), "Error: unknown command \"frobnicate\" for \"fly\""));
  CHECK(contains(run.out_lines(), "Run 'fly --help' for usage."));
}

TEST_CASE("fly version prints flyctl's version line") {
  process_runner runner;
  fly_run run;
  REQUIRE(runner.start(fake_fly({"version"}), run.callbacks()));
  REQUIRE(run.done.wait());
  CHECK(run.result->exit_code == 0);
  auto out = run.out_lines();
  REQUIRE(out.size() == 1);
  CHECK(out[0].rfind("fly v0.3.100 linux/amd64", 0) == 0);
}
