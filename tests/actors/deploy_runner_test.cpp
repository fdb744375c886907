// The deploy runner's own logic on the deterministic scheduler: what it
// answers before and without a flyctl process (no process thread is
// involved, so virtual time and sched.run() decide everything). Runs of a
// real flyctl are in tests/api/deploys_test.cpp.
#include "../support/deterministic_fixture.hpp"

#include <atlas/actors/deploy_runner.hpp>

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <doctest/doctest.h>

#include <filesystem>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

struct runner_fixture : deterministic_fixture {
  memory_telemetry_sink telemetry;
  std::shared_ptr<deploy_services> svc = std::make_shared<deploy_services>();
  runner_fixture() {
    svc->cli_path = (std::filesystem::temp_directory_path() / "atlas-no-such-fly").string();
    svc->telemetry = &telemetry;
  }

  /// Sends `xs` from the probe, runs everything, and returns the answer.
  template <class... Ts>
  expected<void> ask(const caf::actor& a, Ts... xs) {
    self->send(a, xs...);
    run();
    expected<void> out = error{errc::internal, "no answer"};
    self->receive([&](expected<void>& r) { out = std::move(r); },
                  caf::after(std::chrono::seconds{0}) >> [] {});
    return out;
  }

  bool alive(const caf::actor& a) {
    bool down = false;
    self->monitor(a);
    run();
    self->receive([&](caf::down_msg&) { down = true; }, caf::after(std::chrono::seconds{0}) >> [] {});
    return !down;
  }
};

deploy_spec spec_in(const std::string& dir) {
  deploy_spec s;
  s.dir = dir;
  return s;
}

} // namespace

TEST_CASE("a deploy runner without fly answers not_found, stops, and emits no deploy.exit") {
  runner_fixture fx;
  auto r = spawn_deploy_runner(fx.sys, fx.svc, "t-1");
  auto out = fx.ask(r, deploy_run_atom_v, spec_in(std::filesystem::temp_directory_path().string()),
                    caf::actor{fx.self});
  REQUIRE_FALSE(out);
  CHECK(out.error().code() == errc::not_found);
  CHECK(out.error().message().find("atlas-no-such-fly") != std::string::npos);
  CHECK_FALSE(fx.alive(r));
  CHECK(fx.telemetry.events("deploy.exit").empty());
}

TEST_CASE("a deploy runner refuses a directory that is not one with errc::validation") {
  runner_fixture fx;
  auto r = spawn_deploy_runner(fx.sys, fx.svc, "t-2");
  auto out = fx.ask(r, deploy_run_atom_v, spec_in("/nonexistent/atlas/dir"), caf::actor{});
  REQUIRE_FALSE(out);
  CHECK(out.error().code() == errc::validation);
  CHECK(out.error().message().find("/nonexistent/atlas/dir") != std::string::npos);
}

TEST_CASE("before a run, cancel and unsubscribe answer not_found and subscribe succeeds") {
  runner_fixture fx;
  auto r = spawn_deploy_runner(fx.sys, fx.svc, "t-3");
  auto c = fx.ask(r, deploy_cancel_atom_v);
  REQUIRE_FALSE(c);
  CHECK(c.error().code() == errc::not_found);
  auto u = fx.ask(r, deploy_unsubscribe_atom_v, caf::actor{fx.self});
  REQUIRE_FALSE(u);
  CHECK(u.error().code() == errc::not_found);
  CHECK(fx.ask(r, deploy_subscribe_atom_v, caf::actor{fx.self}));
  CHECK(fx.ask(r, deploy_unsubscribe_atom_v, caf::actor{fx.self}));
  CHECK(fx.alive(r));
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown); // idle: it just goes
  CHECK_FALSE(fx.alive(r));
}

TEST_CASE("to_error gives ExAtlas's error shapes for each status") {
  deploy_result r;
  r.status = deploy_status::exit_status;
  r.exit_code = 7;
  r.output = "a\nError: boom\n";
  auto e = to_error(r, "t");
  CHECK(e.code() == errc::exit_status);
  CHECK(e.message().find("exit status 7") != std::string::npos);
  CHECK(e.message().find("Error: boom") != std::string::npos);
  r.status = deploy_status::timeout;
  r.reason = "activity (5m)";
  r.stopped_by = "SIGINT";
  CHECK(to_error(r, "t").code() == errc::timeout);
  CHECK(to_error(r, "t").message().find("stopped by SIGINT") != std::string::npos);
  r.status = deploy_status::not_found;
  CHECK(to_error(r, "t").code() == errc::not_found);
  r.status = deploy_status::cancelled;
  CHECK(to_error(r, "t").code() == errc::cancelled);
  CHECK(to_string(deploy_status::ok) == "ok");
}
