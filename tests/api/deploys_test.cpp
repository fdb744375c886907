// The deploys facade over a real deploys subtree on CAF's threaded
// scheduler, running the simulator's stand-in flyctl (atlas-fake-fly):
// streamed deploys, timeouts, cancel, fly missing, redaction, telemetry, the
// caller's mailbox after the exit, and ExAtlas's defect 14 (§20: a timeout
// left the OS process running).
#include <atlas/api/deploys.hpp>

#include "../support/wait.hpp"

#include <atlas/supervisors/supervisor_messages.hpp>

#include <doctest/doctest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/others.hpp>
#include <caf/scoped_actor.hpp>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

struct project {
  std::filesystem::path dir;
  project() {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("atlas-deploys-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    std::ofstream{dir / "fly.toml"} << "app = \"deploy-app\"\nprimary_region = \"ord\"\n";
  }
  ~project() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string path() const { return dir.string(); }
};

struct deploys_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  memory_telemetry_sink telemetry;
  std::shared_ptr<deploy_services> svc;
  std::optional<deploys> facade;
  project proj;

  explicit deploys_fixture(std::vector<std::string> env = {}) {
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    options o;
    o.fly.cli_path = ATLAS_FAKE_FLY;
    o.deploys.stop_grace = 2s;
    svc = make_deploy_services(o, &telemetry);
    svc->env = std::move(env);
    svc->env.push_back("ATLAS_FAKE_FLY_UPDATE_NOTICE=0");
    auto started = deploys::start(*sys, svc);
    REQUIRE(started);
    facade = *started;
  }
  ~deploys_fixture() {
    CHECK(facade->stop());
    sys.reset();
  }
};

/// Everything one subscriber (a scoped actor, on the test thread) receives
/// for `ticket` until its exit: the lines, the result, and whether anything
/// else was left in its mailbox afterwards.
struct streamed {
  std::vector<std::string> lines;
  std::optional<deploy_result> result;
  std::vector<std::string> order;
};

streamed collect(caf::scoped_actor& self, const std::string& ticket, std::chrono::milliseconds deadline = 20s) {
  streamed s;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!s.result && std::chrono::steady_clock::now() < until) {
    self->receive(
      [&](deploy_line_atom, const std::string& t, const std::string& line) {
        if (t == ticket) {
          s.lines.push_back(line);
          s.order.push_back("line");
        }
      },
      [&](deploy_exit_atom, const std::string& t, const deploy_result& r) {
        if (t == ticket) {
          s.result = r;
          s.order.push_back("exit");
        }
      },
      caf::after(std::chrono::milliseconds{200}) >> [] {});
  }
  return s;
}

/// Nothing left in the mailbox: any message at all fails this.
bool mailbox_empty(caf::scoped_actor& self, std::chrono::milliseconds linger = 300ms) {
  bool empty = true;
  self->receive(caf::others >> [&](caf::message_view&) -> caf::result<caf::message> {
                  empty = false;
                  return caf::message{};
                },
                caf::after(linger) >> [] {});
  return empty;
}

bool group_gone(int pgid) { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }

} // namespace

TEST_CASE("a streamed deploy delivers every line in order, then one exit 0, and nothing after it") {
  deploys_fixture fx{{"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=1", "ATLAS_FAKE_FLY_DEPLOY_MACHINES=3"}};
  caf::scoped_actor self{*fx.sys, true};
  auto ticket = new_deploy_ticket();
  REQUIRE(fx.facade->stream_deploy(self, fx.proj.path(), ticket));
  auto s = collect(self, ticket);
  REQUIRE(s.result);
  CHECK(s.result->status == deploy_status::ok);
  CHECK(s.result->exit_code == 0);
  CHECK(s.result->stopped_by == "exit");
  CHECK(s.result->machines_done == 3);
  CHECK(s.result->machines_total == 3);
  CHECK(s.result->image.rfind("registry.fly.io/deploy-app:deployment-", 0) == 0);
  CHECK(s.result->contradiction.empty());
  REQUIRE(s.lines.size() >= 14);
  CHECK(s.lines.front() == "==> Verifying app config");
  CHECK(s.lines.back() == "Visit your newly deployed app at https://deploy-app.fly.dev/");
  CHECK(s.result->lines == s.lines.size());
  std::string joined;
  for (auto& l : s.lines)
    joined += l + "\n";
  CHECK(s.result->output == joined);
  CHECK(s.order.back() == "exit");
  // no timer message (or anything else) reaches the caller after the exit
  CHECK(mailbox_empty(self));
  // telemetry: one event per line without its content, one exit
  auto line_events = fx.telemetry.events("deploy.line");
  CHECK(line_events.size() == s.lines.size());
  for (auto& e : line_events) {
    CHECK(e.label("ticket") == ticket);
    CHECK(e.metadata.size() == 1);
  }
  auto exits = fx.telemetry.events("deploy.exit");
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].label("status") == "ok");
  CHECK(exits[0].measurement("duration_ms") >= 0);
}

TEST_CASE("a failing deploy ends with exit_status and flyctl's status, and the blocking deploy says exit status N") {
  deploys_fixture fx{{"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0", "ATLAS_FAKE_FLY_DEPLOY_EXIT=7"}};
  caf::scoped_actor self{*fx.sys, true};
  auto ticket = new_deploy_ticket();
  REQUIRE(fx.facade->stream_deploy(self, fx.proj.path(), ticket));
  auto s = collect(self, ticket);
  REQUIRE(s.result);
  CHECK(s.result->status == deploy_status::exit_status);
  CHECK(s.result->exit_code == 7);
  CHECK(s.result->machines_done == 2);
  CHECK(mailbox_empty(self));
  auto blocking = fx.facade->deploy(fx.proj.path());
  REQUIRE_FALSE(blocking);
  CHECK(blocking.error().code() == errc::exit_status);
  CHECK(blocking.error().message().find("exit status 7") != std::string::npos);
  CHECK(blocking.error().message().find("Error: failed to update machine") != std::string::npos);
  auto exits = fx.telemetry.events("deploy.exit");
  REQUIRE(exits.size() == 2);
  CHECK(exits[0].label("status") == "exit_status");
  CHECK(exits[0].measurement("exit_code") == 7);
}

TEST_CASE("the blocking deploy returns the whole output on success") {
  deploys_fixture fx{{"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0"}};
  auto out = fx.facade->deploy(fx.proj.path());
  REQUIRE(out);
  CHECK(out->rfind("==> Verifying app config\n", 0) == 0);
  CHECK(out->find("Visit your newly deployed app at https://deploy-app.fly.dev/\n") != std::string::npos);
}

TEST_CASE("a silent deploy hits its activity timeout, is stopped by SIGINT, and no process of its group survives") {
  deploys_fixture fx{{"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=60000"}};
  caf::scoped_actor self{*fx.sys, true};
  auto ticket = new_deploy_ticket();
  deploy_options o;
  o.activity_timeout = 200ms;
  REQUIRE(fx.facade->stream_deploy(self, fx.proj.path(), ticket, o));
  auto s = collect(self, ticket);
  REQUIRE(s.result);
  CHECK(s.result->status == deploy_status::timeout);
  CHECK(s.result->reason.rfind("activity", 0) == 0);
  CHECK(s.result->stopped_by == "SIGINT");
  CHECK(s.result->output.find("interrupted by SIGINT") != std::string::npos);
  CHECK(mailbox_empty(self));
  auto e = to_error(*s.result, ticket);
  CHECK(e.code() == errc::timeout);
}

TEST_CASE("a deploy that keeps talking hits its absolute timeout with the lines so far") {
  deploys_fixture fx{{"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=20", "ATLAS_FAKE_FLY_DEPLOY_MACHINES=100"}};
  caf::scoped_actor self{*fx.sys, true};
  auto ticket = new_deploy_ticket();
  deploy_options o;
  o.timeout = 300ms;
  REQUIRE(fx.facade->stream_deploy(self, fx.proj.path(), ticket, o));
  auto s = collect(self, ticket);
  REQUIRE(s.result);
  CHECK(s.result->status == deploy_status::timeout);
  CHECK(s.result->reason.rfind("absolute", 0) == 0);
  CHECK(s.lines.size() >= 3);
  CHECK(s.lines.size() < 100);
  CHECK(mailbox_empty(self));
}

TEST_CASE("without fly, stream_deploy and deploy answer errc::not_found and no telemetry exit is emitted") {
  deploys_fixture fx;
  fx.svc->cli_path = (fx.proj.dir / "no-fly-here").string();
  caf::scoped_actor self{*fx.sys, true};
  auto r = fx.facade->stream_deploy(self, fx.proj.path(), new_deploy_ticket());
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::not_found);
  auto b = fx.facade->deploy(fx.proj.path());
  REQUIRE_FALSE(b);
  CHECK(b.error().code() == errc::not_found);
  CHECK(fx.telemetry.events("deploy.exit").empty());
  CHECK(mailbox_empty(self, 100ms));
  auto bad_dir = fx.facade->deploy((fx.proj.dir / "nowhere").string());
  REQUIRE_FALSE(bad_dir);
  CHECK(bad_dir.error().code() == errc::validation);
}

TEST_CASE("cancelling a ticket stops its deploy lease-safely, its subscribers get cancelled, and the group is gone (defect 14)") {
  deploys_fixture fx{{"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=60000"}};
  caf::scoped_actor self{*fx.sys, true};
  caf::scoped_actor other{*fx.sys, true};
  auto ticket = new_deploy_ticket();
  REQUIRE(fx.facade->stream_deploy(self, fx.proj.path(), ticket));
  REQUIRE(fx.facade->subscribe(other, ticket));
  // a second run of the same ticket is refused
  auto again = fx.facade->stream_deploy(self, fx.proj.path(), ticket);
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == errc::validation);
  REQUIRE(fx.facade->cancel(ticket));
  auto s = collect(self, ticket);
  auto o = collect(other, ticket);
  REQUIRE(s.result);
  REQUIRE(o.result);
  CHECK(s.result->status == deploy_status::cancelled);
  CHECK(s.result->stopped_by == "SIGINT");
  CHECK(o.result->status == deploy_status::cancelled);
  CHECK(mailbox_empty(self));
  // the runner is gone, so is the ticket
  CHECK(wait_until([&] {
    auto r = fx.facade->cancel(ticket);
    return !r && r.error().code() == errc::not_found;
  }));
}

TEST_CASE("after a timeout no process of the deploy's group is alive (defect 14)") {
  deploys_fixture fx{{"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=60000"}};
  caf::scoped_actor self{*fx.sys, true};
  auto ticket = new_deploy_ticket();
  deploy_options o;
  o.timeout = 200ms;
  REQUIRE(fx.facade->stream_deploy(self, fx.proj.path(), ticket, o));
  // the stand-in's group id is its pid; find it by its working directory
  int pid = -1;
  for (auto& p : std::filesystem::directory_iterator("/proc")) {
    std::error_code ec;
    auto cwd = std::filesystem::read_symlink(p.path() / "cwd", ec);
    if (!ec && cwd == fx.proj.dir)
      pid = std::atoi(p.path().filename().c_str());
  }
  REQUIRE(pid > 0);
  CHECK_FALSE(group_gone(pid));
  auto s = collect(self, ticket);
  REQUIRE(s.result);
  CHECK(s.result->status == deploy_status::timeout);
  CHECK(wait_until([&] { return group_gone(pid); }));
}

TEST_CASE("a token printed by the build is redacted in lines, output and messages") {
  const std::string token = "fo1_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA";
  deploys_fixture fx{{"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=0", "ATLAS_FAKE_FLY_DEPLOY_BUILD_LINE=export FLY_API_TOKEN=" + token}};
  caf::scoped_actor self{*fx.sys, true};
  auto ticket = new_deploy_ticket();
  REQUIRE(fx.facade->stream_deploy(self, fx.proj.path(), ticket));
  auto s = collect(self, ticket);
  REQUIRE(s.result);
  bool saw = false;
  for (auto& l : s.lines) {
    CHECK(l.find(token) == std::string::npos);
    saw = saw || l.find("[REDACTED]") != std::string::npos;
  }
  CHECK(saw);
  CHECK(s.result->output.find(token) == std::string::npos);
}

TEST_CASE("an unsubscribed actor gets nothing more, and a bad ticket is refused") {
  deploys_fixture fx{{"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=50"}};
  caf::scoped_actor self{*fx.sys, true};
  caf::scoped_actor quitter{*fx.sys, true};
  auto ticket = new_deploy_ticket();
  REQUIRE(fx.facade->stream_deploy(self, fx.proj.path(), ticket));
  REQUIRE(fx.facade->subscribe(quitter, ticket));
  REQUIRE(fx.facade->unsubscribe(quitter, ticket));
  auto s = collect(self, ticket);
  REQUIRE(s.result);
  CHECK(s.result->ok());
  // anything the quitter got was sent before it left; no exit reached it
  bool got_exit = false;
  for (bool more = true; more;)
    quitter->receive([&](deploy_line_atom, const std::string&, const std::string&) {},
                     [&](deploy_exit_atom, const std::string&, const deploy_result&) { got_exit = true; },
                     caf::after(100ms) >> [&] { more = false; });
  CHECK_FALSE(got_exit);
  auto bad = fx.facade->stream_deploy(self, fx.proj.path(), "");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == errc::validation);
  auto none = fx.facade->subscribe(self, "no-such-ticket");
  REQUIRE_FALSE(none);
  CHECK(none.error().code() == errc::not_found);
}

TEST_CASE("stopping the subtree stops a running deploy lease-safely and its subscriber hears why") {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  project proj;
  options o;
  o.fly.cli_path = ATLAS_FAKE_FLY;
  auto svc = make_deploy_services(o);
  svc->env = {"ATLAS_FAKE_FLY_DEPLOY_STEP_MS=60000", "ATLAS_FAKE_FLY_UPDATE_NOTICE=0"};
  auto d = deploys::start(sys, svc);
  REQUIRE(d);
  caf::scoped_actor self{sys, true};
  auto ticket = new_deploy_ticket();
  REQUIRE(d->stream_deploy(self, proj.path(), ticket));
  REQUIRE(d->stop());
  auto s = collect(self, ticket);
  REQUIRE(s.result);
  CHECK(s.result->status == deploy_status::cancelled);
  CHECK(s.result->reason == "shutdown");
  CHECK(s.result->stopped_by == "SIGINT");
}
