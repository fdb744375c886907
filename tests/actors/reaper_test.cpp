// The Reaper on virtual time: it terminates orphans that carry both
// ownership marks and spares everything else — ExAtlas's defect 28
// (reference/exatlas.md §20: prefix only, per node) does not happen here.
#include "orchestrator_fixture.hpp"

#include <atlas/actors/reaper.hpp>

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

namespace {

reap_report reap(orchestrator_fixture& fx, const caf::actor& r) {
  fx.self->send(r, reap_atom_v);
  fx.run();
  reap_report out;
  bool got = false;
  fx.self->receive([&](reap_report& rep) { out = std::move(rep); got = true; },
                   caf::after(std::chrono::seconds{0}) >> [] {});
  REQUIRE(got);
  return out;
}

} // namespace

TEST_CASE("defect 28: the Reaper terminates an orphan with both marks and spares the tracked, the unprefixed and other owners' resources") {
  orchestrator_fixture fx;
  auto orphan = fx.mock_resource("atlas-orphan");
  auto tracked = fx.mock_resource("atlas-tracked");
  auto unprefixed = fx.mock_resource("web-1");
  auto unmarked = fx.mock_resource("atlas-by-hand", false);
  auto foreign = fx.mock_resource("atlas-node-b");
  fx.store->put([&] {
    auto c = *fx.store->get(foreign.id);
    c.labels[std::string{owner_label}] = "node-b"; // another node's, same prefix
    return c;
  }());
  fx.track(tracked);
  auto r = spawn_reaper(fx.sys, fx.svc);
  fx.run();
  fx.advance(59s);
  CHECK(fx.mock_status(orphan.id) == compute_status::running); // the first pass is one interval after the start
  fx.advance(1s);
  CHECK(fx.mock_status(orphan.id) == compute_status::terminated);
  for (auto& spared : {tracked, unprefixed, unmarked, foreign})
    CHECK_MESSAGE(fx.mock_status(spared.id) == compute_status::running, spared.name);
  auto rep = reap(fx, r);
  CHECK(rep.terminated.empty()); // the orphan is gone already
  CHECK(rep.spared_tracked == 1);
  CHECK(rep.spared_unmarked == 3);
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
}

TEST_CASE("a Reaper pass reports what it terminated, and passes keep coming every interval") {
  orchestrator_fixture fx;
  auto r = spawn_reaper(fx.sys, fx.svc);
  fx.run();
  auto a = fx.mock_resource("atlas-a");
  auto rep = reap(fx, r);
  REQUIRE(rep.terminated.size() == 1);
  CHECK(rep.terminated[0] == "mock/" + a.id);
  CHECK_FALSE(rep.dry_run);
  auto b = fx.mock_resource("atlas-b");
  fx.advance(1min);
  fx.advance(1min);
  CHECK(fx.mock_status(b.id) == compute_status::terminated);
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
}

TEST_CASE("in dry-run mode the Reaper only reports what it would terminate") {
  auto o = orchestrator_fixture::test_options();
  o.orchestrator.reap_dry_run = true;
  orchestrator_fixture fx{o};
  auto orphan = fx.mock_resource("atlas-orphan");
  auto r = spawn_reaper(fx.sys, fx.svc);
  fx.run();
  auto rep = reap(fx, r);
  CHECK(rep.dry_run);
  REQUIRE(rep.would_terminate.size() == 1);
  CHECK(rep.would_terminate[0] == "mock/" + orphan.id);
  CHECK(rep.terminated.empty());
  fx.advance(5min);
  CHECK(fx.mock_status(orphan.id) == compute_status::running);
  CHECK(fx.store->calls("terminate") == 0);
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
}

TEST_CASE("a resource whose spawn is still in progress is spared by its reserved name") {
  orchestrator_fixture fx;
  auto c = fx.mock_resource("atlas-spawning");
  REQUIRE(fx.svc->registry->reserve_name(c.name));
  auto r = spawn_reaper(fx.sys, fx.svc);
  fx.run();
  auto rep = reap(fx, r);
  CHECK(rep.terminated.empty());
  CHECK(rep.spared_tracked == 1);
  fx.svc->registry->release_name(c.name);
  rep = reap(fx, r);
  CHECK(rep.terminated.size() == 1);
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
}

TEST_CASE("a provider that fails to list is reported and skipped, and the Reaper keeps running") {
  orchestrator_fixture fx;
  fx.store->inject_failure("list_compute", 1, error{errc::unauthorized, "bad key", 401, "mock"});
  auto orphan = fx.mock_resource("atlas-orphan");
  auto r = spawn_reaper(fx.sys, fx.svc);
  fx.run();
  auto rep = reap(fx, r);
  REQUIRE(rep.provider_errors.size() == 1);
  CHECK(rep.provider_errors[0].find("mock: ") == 0);
  CHECK(fx.alive(r));
  rep = reap(fx, r);
  CHECK(rep.terminated.size() == 1);
  CHECK(fx.mock_status(orphan.id) == compute_status::terminated);
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
}

TEST_CASE("the ownership marks need the prefix and this owner, and an empty prefix or owner marks nothing") {
  compute c;
  c.name = "atlas-x";
  c.labels[std::string{owner_label}] = "node-a";
  CHECK(carries_ownership_marks(c, "atlas-", "node-a"));
  CHECK_FALSE(carries_ownership_marks(c, "atlas-", "node-b"));
  CHECK_FALSE(carries_ownership_marks(c, "other-", "node-a"));
  CHECK_FALSE(carries_ownership_marks(c, "", "node-a")); // ExAtlas: "" matched every named resource
  CHECK_FALSE(carries_ownership_marks(c, "atlas-", ""));
}
