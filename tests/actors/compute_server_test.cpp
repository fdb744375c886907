// compute_server on virtual time: idle TTL and touch, terminate failures
// and retries, exits and crashes, stop/start through the resource's own
// provider — and ExAtlas's defects 25, 26 and 29 (reference/exatlas.md §20).
#include "orchestrator_fixture.hpp"

using namespace atlas;
using namespace atlas::test;
using namespace std::chrono_literals;

TEST_CASE("an untouched resource is terminated after idle_ttl, and every event reaches the atlas:compute topic") {
  orchestrator_fixture fx;
  auto c = fx.mock_resource("atlas-idle");
  fx.track(c, 10min, 1min);
  auto s = fx.server_for(c);
  for (int i = 0; i < 9; ++i)
    fx.advance(1min);
  CHECK(fx.alive(s));
  CHECK(fx.mock_status(c.id) == compute_status::running);
  fx.advance(1min);
  CHECK(fx.mock_status(c.id) == compute_status::terminated);
  CHECK_FALSE(fx.alive(s));
  CHECK_FALSE(fx.svc->registry->contains(c.id));
  auto k = kinds(*fx.seen, c.id);
  REQUIRE(k.size() == 12);
  CHECK(k.front() == "status");
  CHECK(std::count(k.begin(), k.end(), "heartbeat") == 9);
  CHECK(k[10] == "terminating");
  CHECK(k[11] == "status");
  CHECK(fx.seen->at(10).ev.reason == "idle_timeout");
  CHECK(fx.seen->back().ev.status == compute_status::terminated);
}

TEST_CASE("touch starts the idle time again, so a touched resource outlives its idle_ttl") {
  orchestrator_fixture fx;
  auto c = fx.mock_resource("atlas-touched");
  fx.track(c, 3min, 1min);
  auto s = fx.server_for(c);
  fx.advance(2min);
  REQUIRE(fx.ask<void>(s, compute_touch_atom_v));
  fx.advance(2min); // 4 min since spawn, 2 since the touch
  CHECK(fx.alive(s));
  CHECK(fx.mock_status(c.id) == compute_status::running);
  fx.advance(1min); // 3 since the touch
  CHECK(fx.mock_status(c.id) == compute_status::terminated);
  CHECK_FALSE(fx.alive(s));
}

TEST_CASE("a failed terminate publishes terminate_failed and is retried after a doubling back-off until it works") {
  orchestrator_fixture fx;
  fx.store->inject_failure("terminate", 2, error{errc::provider, "HTTP 503: try later", 503, "mock"});
  auto c = fx.mock_resource("atlas-flaky");
  fx.track(c, 1min, 1min);
  auto s = fx.server_for(c);
  fx.advance(1min);
  CHECK(fx.store->calls("terminate") == 1);
  fx.advance(999ms);
  CHECK(fx.store->calls("terminate") == 1); // not before the back-off
  fx.advance(1ms);
  CHECK(fx.store->calls("terminate") == 2);
  fx.advance(1999ms);
  CHECK(fx.store->calls("terminate") == 2); // the back-off doubled
  fx.advance(1ms);
  CHECK(fx.store->calls("terminate") == 3);
  CHECK(fx.mock_status(c.id) == compute_status::terminated);
  CHECK_FALSE(fx.alive(s));
  std::vector<seen_event> failures;
  for (auto& e : *fx.seen)
    if (e.ev.kind == compute_event_kind::terminate_failed)
      failures.push_back(e);
  REQUIRE(failures.size() == 2);
  CHECK(failures[0].ev.attempt == 1);
  CHECK(failures[1].ev.attempt == 2);
  CHECK_FALSE(failures[1].ev.final);
  CHECK(failures[0].ev.failure.code() == errc::provider);
  CHECK(fx.seen->back().ev.kind == compute_event_kind::status);
  CHECK(fx.seen->back().ev.status == compute_status::terminated);
}

TEST_CASE("after the last terminate attempt fails, terminate_failed is final and the resource is left untracked for the Reaper") {
  orchestrator_fixture fx;
  fx.store->inject_failure("terminate", 3, error{errc::provider, "HTTP 500", 500, "mock"});
  auto c = fx.mock_resource("atlas-stuck");
  fx.track(c, 1min, 1min);
  auto s = fx.server_for(c);
  fx.advance(1min);
  fx.advance(1s);
  fx.advance(2s);
  CHECK(fx.store->calls("terminate") == 3);
  CHECK_FALSE(fx.alive(s));
  CHECK_FALSE(fx.svc->registry->contains(c.id));
  CHECK(fx.mock_status(c.id) == compute_status::running);
  REQUIRE(fx.seen->back().ev.kind == compute_event_kind::terminate_failed);
  CHECK(fx.seen->back().ev.final);
  CHECK(fx.seen->back().ev.attempt == 3);
}

TEST_CASE("an exit from a supervisor (user_shutdown) terminates the resource, with terminating shutdown first") {
  orchestrator_fixture fx;
  auto c = fx.mock_resource("atlas-shutdown");
  fx.track(c);
  auto s = fx.server_for(c);
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  fx.run();
  CHECK(fx.mock_status(c.id) == compute_status::terminated);
  CHECK_FALSE(fx.alive(s));
  auto k = kinds(*fx.seen, c.id);
  REQUIRE(k.size() == 3);
  CHECK(fx.seen->at(1).ev.reason == "shutdown");
}

TEST_CASE("defect 26: a crashed compute server destroys nothing and its restart resumes the same idle clock") {
  orchestrator_fixture fx;
  auto c = fx.mock_resource("atlas-crash");
  fx.track(c, 10min, 1min);
  auto s = fx.server_for(c);
  fx.advance(6min);
  caf::anon_send_exit(s, caf::exit_reason::kill); // a crash: untrappable
  fx.run();
  CHECK_FALSE(fx.alive(s));
  CHECK(fx.mock_status(c.id) == compute_status::running);
  REQUIRE(fx.svc->registry->contains(c.id));
  auto again = fx.server_for(c); // what the supervisor does: start the child for the same id
  CHECK(fx.svc->registry->get(c.id)->server_starts == 2);
  fx.advance(3min);
  CHECK(fx.mock_status(c.id) == compute_status::running);
  fx.advance(1min); // 10 min since the spawn, not since the restart
  CHECK(fx.mock_status(c.id) == compute_status::terminated);
  CHECK_FALSE(fx.alive(again));
}

TEST_CASE("a server restarted in the middle of a termination goes on terminating") {
  orchestrator_fixture fx;
  fx.store->inject_failure("terminate", 1, error{errc::provider, "HTTP 502", 502, "mock"});
  auto c = fx.mock_resource("atlas-midway");
  fx.track(c, 1min, 1min);
  auto s = fx.server_for(c);
  fx.advance(1min); // attempt 1 fails, a retry is pending
  caf::anon_send_exit(s, caf::exit_reason::kill);
  fx.run();
  CHECK(fx.svc->registry->get(c.id)->terminating);
  fx.server_for(c);
  CHECK(fx.mock_status(c.id) == compute_status::terminated);
  CHECK_FALSE(fx.svc->registry->contains(c.id));
}

TEST_CASE("defect 29: stop and start go through the resource's own provider and the tracked status follows") {
  orchestrator_fixture fx;
  auto other = std::make_shared<mock_store>();
  fx.svc->add_provider("other", spawn_mock_provider(fx.sys, other)); // a second provider: not the default one
  auto c = fx.mock_resource("atlas-stopme");
  fx.track(c);
  auto s = fx.server_for(c);
  REQUIRE(fx.ask<void>(s, compute_stop_atom_v));
  CHECK(fx.mock_status(c.id) == compute_status::stopped);
  CHECK(fx.svc->registry->get(c.id)->resource.status == compute_status::stopped);
  CHECK(fx.seen->back().ev.status == compute_status::stopped);
  CHECK(other->calls("stop") == 0);
  REQUIRE(fx.ask<void>(s, compute_start_atom_v));
  CHECK(fx.mock_status(c.id) == compute_status::running);
  CHECK(fx.svc->registry->get(c.id)->resource.status == compute_status::running);
  CHECK(fx.alive(s)); // tracking goes on
}

TEST_CASE("defect 25: a server waits for a terminate slower than ExAtlas's 5 s budget") {
  orchestrator_fixture fx;
  auto held = std::make_shared<held_terminate_provider>();
  fx.svc->add_provider("held", spawn_provider(fx.sys, held));
  auto c = fx.mock_resource("atlas-slow");
  fx.track(c, 10min, 1min, "held");
  auto s = fx.server_for(c);
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  fx.run();
  REQUIRE(held->waiting() == 1);
  fx.advance(20s);
  CHECK(fx.alive(s));
  CHECK(held->release());
  fx.run();
  CHECK_FALSE(fx.alive(s));
  CHECK(fx.seen->back().ev.status == compute_status::terminated);
  CHECK(fx.svc->terminate_budget() > 3 * 30s); // what the supervisor grants it
}

TEST_CASE("a compute event reaches an actor on compute:<id>, a callback and nobody else's topic") {
  orchestrator_fixture fx;
  auto c = fx.mock_resource("atlas-topics");
  auto d = fx.mock_resource("atlas-other");
  auto mine = std::make_shared<std::vector<seen_event>>();
  auto probe = fx.sys.spawn([mine](caf::event_based_actor*) -> caf::behavior {
    return {[mine](compute_event_atom, const std::string& id, const compute_event& ev) { mine->push_back({id, ev}); }};
  });
  REQUIRE(fx.ask<void>(fx.events, compute_subscribe_atom_v, compute_topic(c.id), probe));
  auto calls = std::make_shared<int>(0);
  auto cb = std::make_shared<const compute_callback>([calls](const std::string&, const compute_event&) {
    ++*calls;
    throw std::runtime_error("a raising callback never takes the dispatcher down");
  });
  REQUIRE(fx.ask<void>(fx.events, compute_subscribe_atom_v, compute_topic(c.id), cb, std::uint64_t{7}));
  auto bad = fx.ask<void>(fx.events, compute_subscribe_atom_v, std::string{"logs:web"}, probe);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == errc::validation);
  fx.track(c);
  fx.track(d);
  fx.server_for(c);
  fx.server_for(d);
  fx.advance(1min);
  CHECK(mine->size() == 2); // status, heartbeat of c only
  for (auto& e : *mine)
    CHECK(e.id == c.id);
  CHECK(*calls == 2);
  CHECK(kinds(*fx.seen).size() == 4); // the all-resources topic saw both
  CHECK(fx.alive(fx.events));
  caf::anon_send_exit(probe, caf::exit_reason::user_shutdown);
}

TEST_CASE("group mode: an actor that joined the subscribed CAF group receives the topic's events") {
  orchestrator_fixture fx;
  auto g = fx.sys.groups().get_local("atlas.compute/" + std::string{compute_all_topic});
  auto got = std::make_shared<std::vector<std::string>>();
  auto member = fx.sys.spawn([g, got](caf::event_based_actor* self) -> caf::behavior {
    self->join(g);
    return {[got](compute_event_atom, const std::string& id, const compute_event&) { got->push_back(id); }};
  });
  fx.run();
  REQUIRE(fx.ask<void>(fx.events, compute_subscribe_atom_v, std::string{compute_all_topic}, g));
  compute_event ev;
  ev.kind = compute_event_kind::heartbeat;
  caf::anon_send(fx.events, compute_publish_atom_v, std::string{"mock-g1"}, ev);
  fx.run();
  CHECK(*got == std::vector<std::string>{"mock-g1"});
  REQUIRE(fx.ask<void>(fx.events, compute_unsubscribe_atom_v, std::string{compute_all_topic}, g));
  caf::anon_send(fx.events, compute_publish_atom_v, std::string{"mock-g2"}, ev);
  fx.run();
  CHECK(got->size() == 1);
  caf::anon_send_exit(member, caf::exit_reason::user_shutdown);
}
