// `fly deploy` through the process runner, with the simulator's stand-in
// flyctl (build/bin/atlas-fake-fly) and small sh stand-ins where a case needs
// a process tree; every wait has a deadline.
#include <atlas/fly/deploy_command.hpp>

#include "../support/stand_in_fly.hpp"
#include "../support/wait.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>

using namespace atlas;
using namespace std::chrono_literals;

namespace {

struct project {
  std::filesystem::path dir;
  explicit project(const std::string& app = "deploy-app") {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("atlas-deploy-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    std::ofstream{dir / "fly.toml"} << "app = \"" << app << "\"\n";
  }
  ~project() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

struct deploy_log {
  std::mutex mtx;
  std::vector<std::string> lines;
  std::optional<process_result> result;
  atlas::test::event done;

  deploy_callbacks callbacks() {
    return {[this](std::string l) {
              std::lock_guard g{mtx};
              lines.push_back(std::move(l));
            },
            [this](const process_result& r) {
              {
                std::lock_guard g{mtx};
                result = r;
              }
              done.set();
            }};
  }
};

deploy_request fake(const project& p, std::vector<std::string> env = {}) {
  deploy_request r;
  r.cli_path = ATLAS_FAKE_FLY;
  r.dir = p.dir.string();
  r.env = std::move(env);
  r.env.push_back("ATLAS_FAKE_FLY_UPDATE_NOTICE=0");
  return r;
}

bool group_gone(int pgid) { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }

} // namespace

TEST_CASE("deploy_arguments is deploy --remote-only plus --app and --config when given") {
  deploy_request r;
  CHECK(deploy_arguments(r) == std::vector<std::string>{"deploy", "--remote-only"});
  r.app = "a";
  r.config = "x/fly.toml";
  CHECK(deploy_arguments(r)
        == std::vector<std::string>{"deploy", "--remote-only", "--app", "a", "--config", "x/fly.toml"});
}

TEST_CASE("a deploy merges stdout and stderr into non-empty lines in flyctl's order and exits 0") {
  project p;
  process_runner runner;
  deploy_log log;
  auto h = start_deploy(runner, fake(p, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0", "ATLAS_FAKE_FLY_DEPLOY_MACHINES=2"}),
                        log.callbacks());
  REQUIRE(h);
  REQUIRE(log.done.wait());
  std::lock_guard g{log.mtx};
  CHECK(log.result->end == process_end::exited);
  CHECK(log.result->exit_code == 0);
  CHECK(stop_step_name(*log.result) == "exit");
  REQUIRE(log.lines.size() >= 10);
  CHECK(log.lines.front() == "==> Verifying app config"); // stderr
  CHECK(log.lines.back() == "Visit your newly deployed app at https://deploy-app.fly.dev/"); // stdout
  for (auto& l : log.lines)
    CHECK_FALSE(l.empty());
  CHECK(std::count_if(log.lines.begin(), log.lines.end(),
                      [](auto& l) { return l.find("update finished: success") != std::string::npos; }) == 2);
}

TEST_CASE("a deploy splits \\r\\n, keeps a partial last line, cuts a very long line and drops empty ones") {
  project p;
  atlas::test::stand_in fly{"printf 'one\\r\\n\\r\\n\\ntwo\\n'; head -c 100000 /dev/zero | tr '\\0' x; printf '\\nlast'"};
  process_runner runner;
  deploy_log log;
  deploy_request r;
  r.cli_path = fly.path();
  r.dir = p.dir.string();
  r.max_line = 1000;
  REQUIRE(start_deploy(runner, r, log.callbacks()));
  REQUIRE(log.done.wait());
  std::lock_guard g{log.mtx};
  REQUIRE(log.lines.size() == 4);
  CHECK(log.lines[0] == "one");
  CHECK(log.lines[1] == "two");
  CHECK(log.lines[2] == std::string(1000, 'x'));
  CHECK(log.lines[3] == "last");
}

TEST_CASE("a deploy that fails reports flyctl's exit status and its Error line") {
  project p;
  process_runner runner;
  deploy_log log;
  REQUIRE(start_deploy(runner, fake(p, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0", "ATLAS_FAKE_FLY_DEPLOY_EXIT=7"}),
                       log.callbacks()));
  REQUIRE(log.done.wait());
  std::lock_guard g{log.mtx};
  CHECK(log.result->end == process_end::exited);
  CHECK(log.result->exit_code == 7);
  CHECK(log.lines.back().rfind("Error: failed to update machine", 0) == 0);
}

TEST_CASE("no fly is errc::not_found and a missing directory errc::validation") {
  project p;
  process_runner runner;
  deploy_log log;
  auto r = fake(p);
  r.cli_path = (p.dir / "no-such-fly").string();
  auto h = start_deploy(runner, r, log.callbacks());
  REQUIRE_FALSE(h);
  CHECK(h.error().code() == errc::not_found);
  CHECK(h.error().message().find("no-such-fly") != std::string::npos);
  r = fake(p);
  r.dir = (p.dir / "nowhere").string();
  auto d = start_deploy(runner, r, log.callbacks());
  REQUIRE_FALSE(d);
  CHECK(d.error().code() == errc::validation);
}

TEST_CASE("a silent deploy is stopped by SIGINT at its activity timeout and its group is gone") {
  project p;
  process_runner runner;
  deploy_log log;
  auto r = fake(p, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=60000"});
  r.activity_timeout = 200ms;
  r.grace = 5s;
  auto h = start_deploy(runner, r, log.callbacks());
  REQUIRE(h);
  REQUIRE(log.done.wait());
  std::lock_guard g{log.mtx};
  CHECK(log.result->end == process_end::activity_timeout);
  CHECK(stop_step_name(*log.result) == "SIGINT"); // flyctl took it and released its leases
  CHECK(log.result->exit_code == 127);
  REQUIRE_FALSE(log.lines.empty());
  CHECK(log.lines.back() == "interrupted by SIGINT: context canceled");
  CHECK(atlas::test::wait_until([&] { return group_gone(h->pid()); }));
}

TEST_CASE("the stop ladder goes SIGINT, grace, SIGTERM, grace, SIGKILL and no process of the group survives (defect 14)") {
  project p;
  // A flyctl that ignores SIGINT and SIGTERM, with a helper that ignores them too.
  atlas::test::stand_in fly{"trap '' INT TERM; (trap '' INT TERM; echo helper $$; exec sleep 30) & echo started; while :; do sleep 1; done"};
  process_runner runner;
  deploy_log log;
  deploy_request r;
  r.cli_path = fly.path();
  r.dir = p.dir.string();
  r.timeout = 300ms;
  r.grace = 150ms;
  auto h = start_deploy(runner, r, log.callbacks());
  REQUIRE(h);
  REQUIRE(log.done.wait());
  {
    std::lock_guard g{log.mtx};
    CHECK(log.result->end == process_end::timeout);
    CHECK(stop_step_name(*log.result) == "SIGKILL");
    CHECK(log.result->elapsed >= 600ms); // 300 ms, then two graces of 150 ms
  }
  CHECK(atlas::test::wait_until([&] { return group_gone(h->pid()); }));
}

TEST_CASE("a deploy that keeps talking is stopped at its absolute timeout, SIGINT ending it") {
  project p;
  process_runner runner;
  deploy_log log;
  auto r = fake(p, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=20", "ATLAS_FAKE_FLY_DEPLOY_MACHINES=100"});
  r.timeout = 300ms;
  r.activity_timeout = 5s;
  auto h = start_deploy(runner, r, log.callbacks());
  REQUIRE(h);
  REQUIRE(log.done.wait());
  std::lock_guard g{log.mtx};
  CHECK(log.result->end == process_end::timeout);
  CHECK(stop_step_name(*log.result) == "SIGINT");
  CHECK(log.lines.size() >= 3);
  CHECK(log.lines.size() < 100);
  CHECK(atlas::test::wait_until([&] { return group_gone(h->pid()); }));
}

TEST_CASE("cancel stops a deploy by the ladder and says cancelled") {
  project p;
  process_runner runner;
  deploy_log log;
  auto h = start_deploy(runner, fake(p, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=60000"}), log.callbacks());
  REQUIRE(h);
  h->cancel();
  REQUIRE(log.done.wait());
  std::lock_guard g{log.mtx};
  CHECK(log.result->end == process_end::cancelled);
  CHECK(stop_step_name(*log.result) == "SIGINT");
  CHECK(atlas::test::wait_until([&] { return group_gone(h->pid()); }));
}

TEST_CASE("a token the build prints is redacted before any callback sees it") {
  project p;
  process_runner runner;
  deploy_log log;
  const std::string token = "fo1_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA";
  REQUIRE(start_deploy(runner, fake(p, {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0",
                                        "ATLAS_FAKE_FLY_DEPLOY_BUILD_LINE=FLY_API_TOKEN=" + token}),
                       log.callbacks()));
  REQUIRE(log.done.wait());
  std::lock_guard g{log.mtx};
  bool saw_build_line = false;
  for (auto& l : log.lines) {
    CHECK(l.find(token) == std::string::npos);
    if (l.find("[build 3/4]") != std::string::npos) {
      saw_build_line = true;
      CHECK(l.find("[REDACTED]") != std::string::npos);
    }
  }
  CHECK(saw_build_line);
}
